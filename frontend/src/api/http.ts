/**
 * The only module that talks to the network (fetch and, for upload progress, XHR).
 * Session auth: every non-GET request carries the CSRF token from the `csrftoken` cookie.
 */

export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  readonly body: unknown;

  constructor(status: number, detail: string, code: string, body: unknown) {
    super(detail);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.body = body;
  }
}

export function readCookie(name: string, cookies: string): string {
  for (const part of cookies.split(";")) {
    const eq = part.indexOf("=");
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return "";
}

function csrfToken(): string {
  return typeof document === "undefined" ? "" : readCookie("csrftoken", document.cookie);
}

/** Turn an error response body into a message meant for users. */
export function errorFromBody(status: number, body: unknown, fallback: string): ApiError {
  if (body && typeof body === "object") {
    const rec = body as Record<string, unknown>;
    const detail = typeof rec.detail === "string" ? rec.detail : fallback;
    const code = typeof rec.code === "string" ? rec.code : String(status);
    return new ApiError(status, detail, code, body);
  }
  return new ApiError(status, fallback, String(status), body);
}

function statusText(status: number): string {
  if (status === 403) return "You do not have permission to do that.";
  if (status === 404) return "Not found.";
  if (status === 413) return "The upload is too large.";
  if (status >= 500) return `The server failed (${status}). Try again.`;
  return `Request failed (${status}).`;
}

export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return err.message;
  return String(err);
}

export async function request<T>(method: string, url: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (method !== "GET" && method !== "HEAD") headers["X-CSRFToken"] = csrfToken();
  const isForm = typeof FormData !== "undefined" && body instanceof FormData;
  if (body !== undefined && !isForm) headers["Content-Type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : isForm ? body : JSON.stringify(body),
    });
  } catch {
    throw new ApiError(0, "Network error: the server could not be reached.", "network", null);
  }
  const text = await res.text();
  let data: unknown = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = text;
    }
  }
  if (!res.ok) throw errorFromBody(res.status, data, statusText(res.status));
  return data as T;
}

export const get = <T>(url: string): Promise<T> => request<T>("GET", url);
export const post = <T>(url: string, body: unknown): Promise<T> => request<T>("POST", url, body);
export const patch = <T>(url: string, body: unknown): Promise<T> => request<T>("PATCH", url, body);
export const del = (url: string): Promise<void> => request<void>("DELETE", url);
/** A multipart POST without progress (small files; the browser sets the boundary). */
export const postMultipart = <T>(url: string, form: FormData): Promise<T> => request<T>("POST", url, form);

export interface XhrResult<T> {
  status: number;
  body: T;
}

export interface UploadHandle<T> {
  promise: Promise<XhrResult<T>>;
  abort: () => void;
}

/**
 * POST a multipart form with real upload progress (fetch has none). Resolves with the
 * status and parsed JSON for every HTTP answer (callers decide what 4xx means); rejects
 * only on network failure or abort.
 */
export function postForm<T>(
  url: string,
  form: FormData,
  onProgress: (loaded: number, total: number) => void,
): UploadHandle<T> {
  const xhr = new XMLHttpRequest();
  const promise = new Promise<XhrResult<T>>((resolve, reject) => {
    xhr.open("POST", url);
    xhr.withCredentials = true;
    xhr.setRequestHeader("X-CSRFToken", csrfToken());
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) onProgress(e.loaded, e.total);
    };
    xhr.onload = () => {
      let body: unknown = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = { detail: statusText(xhr.status), code: String(xhr.status) };
      }
      resolve({ status: xhr.status, body: body as T });
    };
    xhr.onerror = () =>
      reject(new ApiError(0, "Network error during upload.", "network", null));
    xhr.onabort = () => reject(new ApiError(0, "Upload cancelled.", "aborted", null));
    xhr.send(form);
  });
  return { promise, abort: () => xhr.abort() };
}
