import {createHash} from "node:crypto";
import {createReadStream} from "node:fs";
import {stat} from "node:fs/promises";
import type {IncomingMessage, ServerResponse} from "node:http";
import {parseRange, startRangeServer, type RangeServer, type ServedRequest} from "./range-server.js";

/**
 * A Hugging Face–compatible hub on 127.0.0.1 for offline download tests, built on the generic
 * range server (which logs every request and counts the body bytes it sent):
 * - `/{repo}/resolve/{revision}/{path}`: the file, with HEAD, `Range`, and the headers the real
 *   hub sends (content-length, accept-ranges, etag, x-linked-etag, x-linked-size);
 * - `/api/models/{repo}/tree/{revision}`: the file listing with sizes and `lfs.oid` (SHA-256);
 * - 401 for a gated repo without the right token, 404 for anything unknown;
 * - `cutAfter()`: cut the connection once a file has sent N bytes, and stay "down" for it until
 *   `restore()`, to test resuming.
 */

export interface HfServerFile {
    /** Path inside the repo ("sub/model-Q8_0.gguf"). */
    path: string;
    /** The local file served. */
    source: string;
    /** What the listing claims as SHA-256 instead of the real one (to test a checksum mismatch). */
    listedSha256?: string;
}

export interface HfServerRepo {
    repo: string;
    revision?: string;
    files: HfServerFile[];
    /** A gated repo: file downloads need `Authorization: Bearer <token>`; the listing stays public, as on the real hub. */
    gatedToken?: string;
}

export interface HfServer {
    /** The endpoint to put in HF_ENDPOINT. */
    url: string;
    requests: ServedRequest[];
    /** Body bytes sent for one file of a repo (all requests together). */
    bytesServed(repo: string, path: string, revision?: string): number;
    /** The URL path of a file's resolve route. */
    resolvePath(repo: string, path: string, revision?: string): string;
    /**
     * Cut the transfer of a file once `bytes` of it have been sent (counted across requests), then refuse
     * it until restore(). `rangedOnly` counts only `Range` requests (not a downloader's first, header-only GET).
     */
    cutAfter(
        repo: string,
        path: string,
        bytes: number,
        options?: {onCut?: () => void; rangedOnly?: boolean; revision?: string}
    ): void;
    restore(): void;
    close(): Promise<void>;
}

/** One entry of the hub's `/api/models/{repo}/tree/{revision}` answer. */
interface ListingEntry {
    type: "file" | "directory";
    oid: string;
    size: number;
    path: string;
    lfs?: {oid: string; size: number; pointerSize: number};
}

interface CutState {
    threshold: number;
    sent: number;
    down: boolean;
    onCut?: () => void;
    rangedOnly: boolean;
}

export async function startHfServer(repos: HfServerRepo[]): Promise<HfServer> {
    const server: RangeServer = await startRangeServer();
    const cuts = new Map<string, CutState>();
    const shaCache = new Map<string, Promise<string>>();
    const sha256Of = (source: string) => {
        let hash = shaCache.get(source);
        if (hash == null) {
            hash = (async () => {
                const digest = createHash("sha256");
                for await (const chunk of createReadStream(source)) digest.update(chunk as Buffer);
                return digest.digest("hex");
            })();
            shaCache.set(source, hash);
        }
        return hash;
    };
    const resolvePath = (repo: string, path: string, revision = "main") => `/${repo}/resolve/${revision}/${path}`;

    for (const repo of repos) {
        const revision = repo.revision ?? "main";
        server.setRoute(`/api/models/${repo.repo}/tree/${revision}`, async (_request, response) => {
            const listing: ListingEntry[] = [{type: "file", oid: "0".repeat(40), size: 519, path: ".gitattributes"}];
            for (const file of repo.files) {
                const size = (await stat(file.source)).size;
                const folders = file.path.split("/").slice(0, -1);
                folders.forEach((_, index) => {
                    const folder = folders.slice(0, index + 1).join("/");
                    if (!listing.some((entry) => entry.path === folder))
                        listing.push({type: "directory", oid: "0".repeat(40), size: 0, path: folder});
                });
                listing.push({
                    type: "file",
                    oid: createHash("sha1").update(file.path).digest("hex"),
                    size,
                    path: file.path,
                    lfs: {oid: file.listedSha256 ?? (await sha256Of(file.source)), size, pointerSize: 135}
                });
            }
            const body = JSON.stringify(listing);
            response.writeHead(200, {
                "content-type": "application/json; charset=utf-8",
                "content-length": String(Buffer.byteLength(body))
            });
            response.end(body);
        });
        for (const file of repo.files) {
            const routePath = resolvePath(repo.repo, file.path, revision);
            server.setRoute(routePath, (request, response) => serveFile(request, response, file, repo, routePath));
        }
    }

    async function serveFile(
        request: IncomingMessage,
        response: ServerResponse,
        file: HfServerFile,
        repo: HfServerRepo,
        routePath: string
    ): Promise<void> {
        if (repo.gatedToken != null && request.headers.authorization !== `Bearer ${repo.gatedToken}`) {
            const body = `Access to model ${repo.repo} is restricted. You must have access to it and be authenticated to access it. Please log in.`;
            response.writeHead(401, {
                "content-type": "text/plain; charset=utf-8",
                "x-error-code": "GatedRepo",
                "content-length": String(Buffer.byteLength(body))
            });
            response.end(body);
            return;
        }
        const cut = cuts.get(routePath);
        if (cut?.down) {
            response.destroy();
            return;
        }
        const size = (await stat(file.source)).size;
        const sha256 = await sha256Of(file.source);
        const range = parseRange(request.headers.range, size);
        if (range === "unsatisfiable") {
            response.writeHead(416, {"content-range": `bytes */${size}`});
            response.end();
            return;
        }
        const {start, end} = range ?? {start: 0, end: size - 1};
        const fileName = file.path.split("/").pop()!;
        response.writeHead(range == null ? 200 : 206, {
            "accept-ranges": "bytes",
            "content-type": "application/octet-stream",
            "content-length": String(end - start + 1),
            "content-disposition": `inline; filename*=UTF-8''${encodeURIComponent(fileName)}; filename="${fileName}";`,
            etag: `"${sha256}"`,
            "x-linked-etag": `"${sha256}"`,
            "x-linked-size": String(size),
            "x-repo-commit": "0123456789abcdef0123456789abcdef01234567",
            ...(range == null ? {} : {"content-range": `bytes ${start}-${end}/${size}`})
        });
        if (request.method === "HEAD") {
            response.end();
            return;
        }
        await streamRange(response, file.source, start, end, cut?.rangedOnly && range == null ? undefined : cut);
    }

    /** Send bytes start..end with backpressure; a cut destroys the socket mid-body, like a dropped connection. */
    async function streamRange(
        response: ServerResponse,
        source: string,
        start: number,
        end: number,
        cut: CutState | undefined
    ): Promise<void> {
        const stream = createReadStream(source, {start, end, highWaterMark: 64 * 1024});
        response.on("close", () => stream.destroy());
        try {
            for await (const chunk of stream) {
                let data = chunk as Buffer;
                if (cut != null) {
                    if (cut.down || response.destroyed) break;
                    const allowed = cut.threshold - cut.sent;
                    if (data.length >= allowed) {
                        data = data.subarray(0, Math.max(0, allowed));
                        if (data.length > 0) response.write(data);
                        cut.sent += data.length;
                        cut.down = true;
                        // Let the bytes already written reach the client, then drop the connection.
                        setTimeout(() => {
                            response.destroy();
                            cut.onCut?.();
                        }, 20);
                        return;
                    }
                    cut.sent += data.length;
                }
                if (response.destroyed) break;
                if (!response.write(data))
                    await new Promise<void>((resolveDrain) => {
                        const done = () => {
                            response.off("drain", done);
                            response.off("close", done);
                            resolveDrain();
                        };
                        response.on("drain", done);
                        response.on("close", done);
                    });
            }
            if (!response.destroyed) response.end();
        } finally {
            stream.destroy();
        }
    }

    return {
        url: server.url,
        requests: server.requests,
        bytesServed: (repo, path, revision) => server.bytesServed(resolvePath(repo, path, revision)),
        resolvePath,
        cutAfter(repo, path, bytes, options = {}) {
            cuts.set(resolvePath(repo, path, options.revision), {
                threshold: bytes,
                sent: 0,
                down: false,
                onCut: options.onCut,
                rangedOnly: options.rangedOnly ?? false
            });
        },
        restore() {
            cuts.clear();
        },
        close: () => server.close()
    };
}
