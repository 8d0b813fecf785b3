import { useState } from "preact/hooks";
import { ApiError, api, errorText } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";
import type { ConsoleSession } from "../types";

export function LoginPage({ onLoggedIn }: { onLoggedIn: (session: ConsoleSession) => void }) {
  const [user, setUser] = useState("admin");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    setBusy(true);
    try {
      onLoggedIn(await api<ConsoleSession>("POST", "/api/v1/console/login", { user, password }));
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) setError("Wrong user name or password.");
      else if (e instanceof ApiError && e.status === 429)
        setError(`Too many failed logins. Try again in ${Math.ceil((e.retryAfterSeconds ?? 60) / 60)} min.`);
      else setError(errorText(e));
      setPassword("");
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="content" class="login">
      <form class="form narrow" onSubmit={submit} aria-labelledby="login-heading">
        <h1 id="login-heading">floe console</h1>
        <Field id="user" label="User" autoComplete="username" required value={user} onValue={setUser} />
        <Field
          id="password"
          label="Password"
          type="password"
          autoComplete="current-password"
          required
          autoFocus
          value={password}
          onValue={setPassword}
        />
        <ErrorNote message={error} />
        <button type="submit" disabled={busy}>
          {busy ? "Logging in…" : "Log in"}
        </button>
        <p class="help">
          <code>floe init</code> printed the admin password. Lost it? Run <code>floe admin reset-password</code> on the
          head.
        </p>
      </form>
    </main>
  );
}
