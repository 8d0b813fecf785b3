// Live data: fetches now and then every `intervalMs` while the tab is visible, so a
// joining node appears without a reload. Keeps showing the last good data when a poll
// fails, with the error beside it.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { errorText } from "./api";

export const POLL_INTERVAL_MS = 2000;

export interface Polled<T> {
  data: T | undefined;
  error: string;
  refresh: () => void;
}

export function usePolling<T>(fetcher: () => Promise<T>, deps: unknown[] = [], intervalMs = POLL_INTERVAL_MS): Polled<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState("");
  const generation = useRef(0);
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  const load = useCallback(async () => {
    const mine = generation.current;
    try {
      const value = await fetcherRef.current();
      if (mine !== generation.current) return;
      setData(value);
      setError("");
    } catch (e) {
      if (mine !== generation.current) return;
      setError(errorText(e));
    }
  }, []);

  useEffect(() => {
    generation.current++;
    setData(undefined);
    void load();
    const timer = window.setInterval(() => {
      if (document.visibilityState === "visible") void load();
    }, intervalMs);
    const onVisible = () => {
      if (document.visibilityState === "visible") void load();
    };
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      generation.current++;
      window.clearInterval(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, deps);

  return { data, error, refresh: () => void load() };
}
