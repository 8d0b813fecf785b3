// Calls to the head's API. The console authenticates with its session cookie (sent by
// the browser) and adds the session's CSRF token to every call that changes state; the
// head routes them to the same handlers as the CLI's.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

let csrfToken = "";
let onUnauthenticated: () => void = () => {};

export function setCsrfToken(token: string): void {
  csrfToken = token;
}

export function setUnauthenticatedHandler(handler: () => void): void {
  onUnauthenticated = handler;
}

type Method = "GET" | "POST" | "DELETE";

export async function api<T>(method: Method, path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrfToken;
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch (e) {
    throw new ApiError(0, "unreachable", `the head did not answer (${String(e)}); is floe serve running?`);
  }
  const text = await response.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, "bad_response", `the head answered ${response.status} without JSON`);
  }
  if (!response.ok) {
    const error = (parsed as { error?: { code?: string; message?: string } } | null)?.error;
    const retry = Number(response.headers.get("Retry-After") ?? "") || undefined;
    const failure = new ApiError(
      response.status,
      error?.code ?? "error",
      error?.message ?? `the head answered ${response.status}`,
      retry,
    );
    if (response.status === 401 && !path.startsWith("/api/v1/console/login")) onUnauthenticated();
    throw failure;
  }
  return parsed as T;
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
