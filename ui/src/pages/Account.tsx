import { useState } from "preact/hooks";
import { api, errorText } from "../api";
import { ErrorNote } from "../components/ErrorNote";
import { Field } from "../components/Field";

export function AccountPage({ user }: { user: string }) {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [confirm, setConfirm] = useState("");
  const [error, setError] = useState("");
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setError("");
    setDone(false);
    if (next !== confirm) {
      setError("The new passwords differ");
      return;
    }
    setBusy(true);
    try {
      await api("POST", "/api/v1/console/password", { current_password: current, new_password: next });
      setDone(true);
      setCurrent("");
      setNext("");
      setConfirm("");
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Account</h1>
      <p>
        Logged in as <strong>{user}</strong>. A lost password is reset on the head with{" "}
        <code>floe admin reset-password</code>.
      </p>
      <form class="form narrow" onSubmit={submit} aria-labelledby="password-heading">
        <h2 id="password-heading">Change password</h2>
        <Field
          id="current-password"
          label="Current password"
          type="password"
          autoComplete="current-password"
          required
          value={current}
          onValue={setCurrent}
        />
        <Field
          id="new-password"
          label="New password"
          type="password"
          autoComplete="new-password"
          required
          minLength={10}
          help="At least 10 characters. Your other sessions end when it changes."
          value={next}
          onValue={setNext}
        />
        <Field
          id="confirm-password"
          label="New password again"
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onValue={setConfirm}
        />
        <ErrorNote message={error} />
        {done && (
          <p role="status" class="ok">
            Password changed.
          </p>
        )}
        <button type="submit" disabled={busy}>
          Change password
        </button>
      </form>
    </>
  );
}
