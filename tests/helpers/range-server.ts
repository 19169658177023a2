import {createServer, type IncomingMessage, type ServerResponse} from "node:http";
import {createReadStream} from "node:fs";
import {stat} from "node:fs/promises";
import {join, resolve, sep} from "node:path";
import type {AddressInfo} from "node:net";

/**
 * A tiny static HTTP server on 127.0.0.1 for offline tests of remote reads: it serves files and
 * fixed bodies with HEAD and single `Range: bytes=...` support, and counts the body bytes it sent
 * per path, so a test can prove that a client read only part of a file.
 */

/** What one URL path answers with. A function route handles the request itself (for API-like routes). */
export type RangeServerRoute =
    | {file: string; headers?: Record<string, string>}
    | {body: string | Uint8Array; status?: number; contentType?: string; headers?: Record<string, string>}
    | ((request: IncomingMessage, response: ServerResponse) => void | Promise<void>);

export interface RangeServerOptions {
    /** Serve the files under this folder at their relative paths (`/a/b.gguf` → `<rootDir>/a/b.gguf`). */
    rootDir?: string;
    /** Exact URL paths (no query string) answered before `rootDir` is looked at. */
    routes?: Record<string, RangeServerRoute>;
}

export interface ServedRequest {
    method: string;
    /** Decoded URL path without the query string. */
    path: string;
    range: string | undefined;
    status: number;
    /** Body bytes sent (0 for HEAD). */
    bytes: number;
}

export interface RangeServer {
    /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
    url: string;
    /** Every request answered so far, in order. */
    requests: ServedRequest[];
    /** Body bytes served for one path, or for all paths when none is given. */
    bytesServed(path?: string): number;
    /** Add or replace a route while the server runs. */
    setRoute(path: string, route: RangeServerRoute): void;
    close(): Promise<void>;
}

export async function startRangeServer(options: RangeServerOptions = {}): Promise<RangeServer> {
    const routes = new Map(Object.entries(options.routes ?? {}));
    const rootDir = options.rootDir == null ? undefined : resolve(options.rootDir);
    const requests: ServedRequest[] = [];

    const server = createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://127.0.0.1");
        const path = safeDecode(url.pathname);
        const record: ServedRequest = {
            method: request.method ?? "GET",
            path,
            range: request.headers.range,
            status: 0,
            bytes: 0
        };
        requests.push(record);
        countBodyBytes(response, record);
        response.on("finish", () => {
            record.status = response.statusCode;
        });
        handle(request, response, path).catch((error: unknown) => {
            if (!response.headersSent) sendText(response, 500, String(error));
            else response.destroy();
        });
    });

    async function handle(request: IncomingMessage, response: ServerResponse, path: string): Promise<void> {
        if (request.method !== "GET" && request.method !== "HEAD") return sendText(response, 405, "method not allowed");
        const route = routes.get(path);
        if (typeof route === "function") return await route(request, response);
        if (route != null && "body" in route) {
            const body = typeof route.body === "string" ? Buffer.from(route.body) : Buffer.from(route.body);
            return sendBuffer(request, response, body, route.status ?? 200, {
                "content-type": route.contentType ?? "application/octet-stream",
                ...route.headers
            });
        }
        if (route != null) return await sendFile(request, response, route.file, route.headers ?? {});
        if (rootDir != null) {
            const filePath = resolve(join(rootDir, path));
            if (filePath.startsWith(rootDir + sep)) return await sendFile(request, response, filePath, {});
        }
        sendText(response, 404, "not found");
    }

    await new Promise<void>((resolveListen, rejectListen) => {
        server.once("error", rejectListen);
        server.listen(0, "127.0.0.1", () => resolveListen());
    });
    const {port} = server.address() as AddressInfo;

    return {
        url: `http://127.0.0.1:${port}`,
        requests,
        bytesServed(path?: string) {
            return requests
                .filter((served) => path == null || served.path === path)
                .reduce((sum, served) => sum + served.bytes, 0);
        },
        setRoute(path, route) {
            routes.set(path, route);
        },
        close() {
            return new Promise<void>((resolveClose) => {
                server.closeAllConnections();
                server.close(() => resolveClose());
            });
        }
    };
}

/** Parsed `Range: bytes=a-b`; undefined when absent or not a single byte range (then the whole body is sent). */
export function parseRange(
    header: string | undefined,
    size: number
): {start: number; end: number} | "unsatisfiable" | undefined {
    const match = header?.match(/^bytes=(\d*)-(\d*)$/);
    if (match == null || (match[1] === "" && match[2] === "")) return undefined;
    if (match[1] === "") {
        const suffixLength = Number(match[2]);
        if (suffixLength === 0) return "unsatisfiable";
        return {start: Math.max(0, size - suffixLength), end: size - 1};
    }
    const start = Number(match[1]);
    const end = match[2] === "" ? size - 1 : Math.min(Number(match[2]), size - 1);
    if (start >= size || end < start) return "unsatisfiable";
    return {start, end};
}

async function sendFile(
    request: IncomingMessage,
    response: ServerResponse,
    filePath: string,
    headers: Record<string, string>
): Promise<void> {
    const info = await stat(filePath).catch(() => undefined);
    if (info == null || !info.isFile()) return sendText(response, 404, "not found");
    const range = parseRange(request.headers.range, info.size);
    if (range === "unsatisfiable") {
        response.writeHead(416, {"content-range": `bytes */${info.size}`, ...headers});
        response.end();
        return;
    }
    const {start, end} = range ?? {start: 0, end: info.size - 1};
    response.writeHead(range == null ? 200 : 206, {
        "accept-ranges": "bytes",
        "content-type": "application/octet-stream",
        "content-length": String(Math.max(0, end - start + 1)),
        ...(range == null ? {} : {"content-range": `bytes ${start}-${end}/${info.size}`}),
        ...headers
    });
    if (request.method === "HEAD" || end < start) {
        response.end();
        return;
    }
    await new Promise<void>((resolveSend, rejectSend) => {
        const stream = createReadStream(filePath, {start, end});
        stream.on("error", rejectSend);
        response.on("close", () => {
            stream.destroy();
            resolveSend();
        });
        stream.pipe(response);
    });
}

function sendBuffer(
    request: IncomingMessage,
    response: ServerResponse,
    body: Buffer,
    status: number,
    headers: Record<string, string>
): void {
    const range = status === 200 ? parseRange(request.headers.range, body.length) : undefined;
    if (range === "unsatisfiable") {
        response.writeHead(416, {"content-range": `bytes */${body.length}`});
        response.end();
        return;
    }
    const part = range == null ? body : body.subarray(range.start, range.end + 1);
    response.writeHead(range == null ? status : 206, {
        "accept-ranges": "bytes",
        "content-length": String(part.length),
        ...(range == null ? {} : {"content-range": `bytes ${range.start}-${range.end}/${body.length}`}),
        ...headers
    });
    response.end(request.method === "HEAD" ? undefined : part);
}

function sendText(response: ServerResponse, status: number, text: string): void {
    response.writeHead(status, {"content-type": "text/plain"});
    response.end(text);
}

/** Count the body bytes written to a response, whichever route wrote them. */
function countBodyBytes(response: ServerResponse, record: ServedRequest): void {
    const write = response.write.bind(response) as (...args: unknown[]) => boolean;
    const end = response.end.bind(response) as (...args: unknown[]) => ServerResponse;
    const count = (chunk: unknown) => {
        if (record.method === "HEAD") return;
        if (typeof chunk === "string") record.bytes += Buffer.byteLength(chunk);
        else if (chunk instanceof Uint8Array) record.bytes += chunk.byteLength;
    };
    response.write = ((...args: unknown[]) => {
        count(args[0]);
        return write(...args);
    }) as typeof response.write;
    response.end = ((...args: unknown[]) => {
        if (typeof args[0] !== "function") count(args[0]);
        return end(...args);
    }) as typeof response.end;
}

function safeDecode(path: string): string {
    try {
        return decodeURIComponent(path);
    } catch {
        return path;
    }
}
