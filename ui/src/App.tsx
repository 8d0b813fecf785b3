import { useEffect, useState } from "preact/hooks";
import { ApiError, api, setCsrfToken, setUnauthenticatedHandler } from "./api";
import { Layout } from "./components/Layout";
import { matchPage } from "./pages";
import { LoginPage } from "./pages/Login";
import { navigate, usePath } from "./router";
import type { ConsoleSession } from "./types";

type SessionState = { kind: "checking" } | { kind: "anonymous" } | { kind: "in"; session: ConsoleSession };

export function App() {
  const path = usePath();
  const [state, setState] = useState<SessionState>({ kind: "checking" });
  const [problem, setProblem] = useState("");

  const loggedIn = (session: ConsoleSession) => {
    setCsrfToken(session.csrf_token);
    setState({ kind: "in", session });
  };

  useEffect(() => {
    // Any 401 (an idle session expired, a password changed elsewhere) returns to the login.
    setUnauthenticatedHandler(() => {
      setCsrfToken("");
      setState({ kind: "anonymous" });
    });
    api<ConsoleSession>("GET", "/api/v1/console/session")
      .then(loggedIn)
      .catch((e) => {
        if (!(e instanceof ApiError) || e.status !== 401) setProblem(String(e instanceof Error ? e.message : e));
        setState({ kind: "anonymous" });
      });
  }, []);

  const match = matchPage(path);
  useEffect(() => {
    document.title = match ? `${match.page.title} · floe` : "Not found · floe";
    // Move focus to the page for screen readers and keyboard users after navigation.
    document.getElementById("content")?.focus({ preventScroll: true });
  }, [path]);

  if (state.kind === "checking") return <p class="loading">Loading…</p>;
  if (state.kind === "anonymous") {
    return (
      <>
        {problem && (
          <p class="error" role="alert">
            {problem}
          </p>
        )}
        <LoginPage onLoggedIn={loggedIn} />
      </>
    );
  }

  // A deliberate logout starts the next login at the overview; an expired session (a 401
  // elsewhere) keeps the page, so logging in again returns to it.
  const logout = async () => {
    try {
      await api("POST", "/api/v1/console/logout");
    } finally {
      setCsrfToken("");
      setState({ kind: "anonymous" });
      navigate("/");
    }
  };

  return (
    <Layout path={path} user={state.session.user} onLogout={logout}>
      {match ? (
        match.page.render({ user: state.session.user, params: match.params })
      ) : (
        <>
          <h1>Not found</h1>
          <p>
            There is no console page at <code>{path}</code>. <a href="/">Go to the overview</a>.
          </p>
        </>
      )}
    </Layout>
  );
}
