// Chooses the transport for where the page runs, and reads the browser's API
// token from the URL fragment. Views import from here and nowhere else.

import { HttpTransport } from "./http";
import { inTauri, TauriTransport } from "./tauri";
import type { Transport } from "./types";

export { ApiError } from "./errors";
export type { ConnectionStatus, Transport, Unsubscribe } from "./types";

/** The session storage key that keeps the token across a page reload. */
const TOKEN_KEY = "tend-api-token";

/** Thrown when a browser page has no token to send. */
export class MissingTokenError extends Error {
  constructor() {
    super(
      "no API token: open the dashboard with `tend dashboard`, which adds #token=... to the URL",
    );
    this.name = "MissingTokenError";
  }
}

/**
 * Takes `token` from a `#token=...` fragment, keeps it in session storage, and
 * removes the fragment from the visible URL so it is not copied or bookmarked.
 */
export function takeToken(location: Location, history: History, storage: Storage): string | null {
  const fragment = new URLSearchParams(location.hash.replace(/^#/, ""));
  const fromFragment = fragment.get("token");
  if (fromFragment) {
    storage.setItem(TOKEN_KEY, fromFragment);
    history.replaceState(history.state, "", location.pathname + location.search);
    return fromFragment;
  }
  return storage.getItem(TOKEN_KEY);
}

/** Creates the transport for this page: IPC inside Tauri, else HTTP to the page's own origin. */
export function createTransport(): Transport {
  if (inTauri(window)) {
    return new TauriTransport();
  }
  const token = takeToken(window.location, window.history, window.sessionStorage);
  if (!token) {
    throw new MissingTokenError();
  }
  return new HttpTransport({ baseUrl: "", token });
}
