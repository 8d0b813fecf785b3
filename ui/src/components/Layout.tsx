import type { ComponentChildren } from "preact";
import { onLinkClick } from "../router";
import { navPages } from "../pages";

interface LayoutProps {
  path: string;
  user: string;
  onLogout: () => void;
  children: ComponentChildren;
}

export function Layout({ path, user, onLogout, children }: LayoutProps) {
  const current = (pagePath: string) =>
    pagePath === "/" ? path === "/" : path === pagePath || path.startsWith(pagePath + "/");
  return (
    <div class="shell" onClick={(e) => onLinkClick(e as unknown as MouseEvent)}>
      <a class="skip-link" href="#content">
        Skip to content
      </a>
      <header class="topbar">
        <a href="/" class="brand">
          floe
        </a>
        <nav aria-label="Main">
          <ul>
            {navPages().map((page) => (
              <li key={page.path}>
                <a href={page.path} aria-current={current(page.path) ? "page" : undefined}>
                  {page.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <div class="user">
          <a href="/account" aria-current={path === "/account" ? "page" : undefined}>
            {user}
          </a>
          <button type="button" class="secondary" onClick={onLogout}>
            Log out
          </button>
        </div>
      </header>
      <main id="content" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}
