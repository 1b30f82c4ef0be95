// The one error type every transport rejects with: the backend's `{kind, message}`
// body, or a local failure (network, bad JSON) in the same shape.

/** An error from the supervisor or from reaching it. */
export class ApiError extends Error {
  /** The backend's error kind, e.g. "no-such-component", or "network" and "protocol" locally. */
  readonly kind: string;
  /** The HTTP status, when the error came over HTTP. */
  readonly status: number | undefined;

  constructor(kind: string, message: string, status?: number) {
    super(message);
    this.name = "ApiError";
    this.kind = kind;
    this.status = status;
  }
}

/** Converts anything a transport caught into an `ApiError`, keeping a `{kind, message}` shape. */
export function toApiError(error: unknown, status?: number): ApiError {
  if (error instanceof ApiError) {
    return error;
  }
  if (isErrorBody(error)) {
    return new ApiError(error.kind, error.message, status);
  }
  if (error instanceof Error) {
    return new ApiError("network", error.message, status);
  }
  return new ApiError("unknown", String(error), status);
}

/** Whether a value has the backend's error shape `{kind: string, message: string}`. */
export function isErrorBody(value: unknown): value is { kind: string; message: string } {
  if (typeof value !== "object" || value === null) {
    return false;
  }
  const record = value as Record<string, unknown>;
  return typeof record.kind === "string" && typeof record.message === "string";
}
