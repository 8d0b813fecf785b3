// The console's pages. Each page is its own module; adding one (the lakehouse stack,
// rebalancing) is a new file under pages/ and one entry here.
import type { JSX } from "preact";
import { AccountPage } from "./pages/Account";
import { AddNodePage } from "./pages/AddNode";
import { EventsPage } from "./pages/Events";
import { NodeDetailPage } from "./pages/NodeDetail";
import { NodesPage } from "./pages/Nodes";
import { OverviewPage } from "./pages/Overview";
import { RebalancePage } from "./pages/Rebalance";
import { StackPage } from "./pages/Stack";

export interface PageContext {
  user: string;
  params: Record<string, string>;
}

export interface ConsolePage {
  path: string; // "/nodes/:id": a ":name" segment matches one path segment
  title: string;
  inNav: boolean;
  render: (context: PageContext) => JSX.Element;
}

export const pages: ConsolePage[] = [
  { path: "/", title: "Overview", inNav: true, render: () => <OverviewPage /> },
  { path: "/nodes", title: "Nodes", inNav: true, render: () => <NodesPage /> },
  { path: "/nodes/:id", title: "Node", inNav: false, render: ({ params }) => <NodeDetailPage id={params.id ?? ""} /> },
  { path: "/add-node", title: "Add node", inNav: true, render: () => <AddNodePage /> },
  { path: "/stack", title: "Stack", inNav: true, render: () => <StackPage /> },
  { path: "/rebalance", title: "Rebalancing", inNav: true, render: () => <RebalancePage /> },
  { path: "/events", title: "Events", inNav: true, render: () => <EventsPage /> },
  { path: "/account", title: "Account", inNav: false, render: ({ user }) => <AccountPage user={user} /> },
];

export function navPages(): ConsolePage[] {
  return pages.filter((p) => p.inNav);
}

export function matchPage(path: string): { page: ConsolePage; params: Record<string, string> } | null {
  const got = path.split("/").filter(Boolean);
  for (const page of pages) {
    const want = page.path.split("/").filter(Boolean);
    if (want.length !== got.length) continue;
    const params: Record<string, string> = {};
    const matches = want.every((segment, i) => {
      if (segment.startsWith(":")) {
        params[segment.slice(1)] = decodeURIComponent(got[i] ?? "");
        return true;
      }
      return segment === got[i];
    });
    if (matches) return { page, params };
  }
  return null;
}
