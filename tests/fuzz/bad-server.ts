import {createServer, type Server, type Socket} from "node:net";

/**
 * An HTTP server on 127.0.0.1 that misbehaves on purpose, written on raw sockets so that it can lie
 * in ways a real HTTP library refuses to: `/<behaviour>/<file>` serves `body` with that behaviour.
 *
 * good · stall-headers (never answers) · stall-body (headers, then nothing) · stall-mid (half the
 * body, then nothing) · short-body (says N bytes, sends N/2, closes) · long-length (says 2^60) ·
 * negative-length · range-200 (ignores Range) · redirect-loop · html (a web page, 200) · not-gguf
 * (random bytes of the right size) · close (drops the connection) · trickle (one small piece per
 * 100 ms, for kill tests).
 */
export const BEHAVIOURS = [
    "good",
    "stall-headers",
    "stall-body",
    "stall-mid",
    "short-body",
    "long-length",
    "negative-length",
    "range-200",
    "redirect-loop",
    "html",
    "not-gguf",
    "close",
    "trickle"
] as const;
export type Behaviour = (typeof BEHAVIOURS)[number];

export interface BadServer {
    url: string;
    close(): Promise<void>;
}

const HTML = Buffer.from(
    `<!doctype html><html><head><title>Sign in</title></head><body>${"<p>Please sign in.</p>".repeat(200)}</body></html>`
);

export async function startBadServer(body: Buffer): Promise<BadServer> {
    const sockets = new Set<Socket>();
    const notGguf = Buffer.alloc(body.length, 0x5a);
    const server: Server = createServer((socket) => {
        sockets.add(socket);
        socket.on("close", () => sockets.delete(socket));
        socket.on("error", () => undefined);
        let buffered = "";
        socket.on("data", (chunk) => {
            buffered += chunk.toString("latin1");
            let end = buffered.indexOf("\r\n\r\n");
            while (end >= 0) {
                const head = buffered.slice(0, end);
                buffered = buffered.slice(end + 4);
                handle(socket, head);
                end = buffered.indexOf("\r\n\r\n");
            }
        });
    });

    const handle = (socket: Socket, head: string) => {
        const [requestLine, ...headerLines] = head.split("\r\n");
        const [method, target] = (requestLine ?? "").split(" ");
        const headers = new Map(
            headerLines.map((line) => [
                line.slice(0, line.indexOf(":")).toLowerCase(),
                line.slice(line.indexOf(":") + 1).trim()
            ])
        );
        const behaviour = (target ?? "/").split("/")[1] as Behaviour;
        const isHead = method === "HEAD";
        const write = (status: string, fields: Record<string, string>, payload?: Buffer) => {
            const lines = [
                `HTTP/1.1 ${status}`,
                ...Object.entries(fields).map(([key, value]) => `${key}: ${value}`),
                "",
                ""
            ];
            socket.write(lines.join("\r\n"));
            if (payload != null && !isHead) socket.write(payload);
        };
        const content = behaviour === "not-gguf" ? notGguf : behaviour === "html" ? HTML : body;
        const range = headers.get("range")?.match(/^bytes=(\d+)-(\d*)$/);
        const ranged = (): [Buffer, string, Record<string, string>] => {
            if (range == null || behaviour === "range-200")
                return [
                    content,
                    "200 OK",
                    {
                        "Content-Length": String(content.length),
                        "Accept-Ranges": behaviour === "range-200" ? "none" : "bytes"
                    }
                ];
            const start = Number(range[1]);
            const stop = range[2] === "" ? content.length - 1 : Math.min(Number(range[2]), content.length - 1);
            if (start >= content.length)
                return [
                    Buffer.alloc(0),
                    "416 Range Not Satisfiable",
                    {"Content-Range": `bytes */${content.length}`, "Content-Length": "0"}
                ];
            const slice = content.subarray(start, stop + 1);
            return [
                slice,
                "206 Partial Content",
                {
                    "Content-Length": String(slice.length),
                    "Content-Range": `bytes ${start}-${stop}/${content.length}`,
                    "Accept-Ranges": "bytes"
                }
            ];
        };
        switch (behaviour) {
            case "stall-headers":
                return;
            case "close":
                socket.destroy();
                return;
            case "redirect-loop":
                write("302 Found", {Location: target ?? "/", "Content-Length": "0"});
                return;
            case "negative-length":
                write("200 OK", {"Content-Length": "-1", "Accept-Ranges": "bytes"}, content);
                if (!isHead) socket.end();
                return;
            case "long-length":
                write(
                    "200 OK",
                    {"Content-Length": String(2 ** 60), "Accept-Ranges": "bytes"},
                    content.subarray(0, 4096)
                );
                if (!isHead) socket.end();
                return;
            case "html":
                write(
                    "200 OK",
                    {"Content-Type": "text/html; charset=utf-8", "Content-Length": String(HTML.length)},
                    HTML
                );
                return;
            default:
                break;
        }
        const [payload, status, fields] = ranged();
        if (isHead) {
            write("200 OK", {
                "Content-Length": String(content.length),
                "Accept-Ranges": behaviour === "range-200" ? "none" : "bytes"
            });
            return;
        }
        switch (behaviour) {
            case "stall-body":
                write(status, fields);
                return;
            case "stall-mid":
                write(status, fields, payload.subarray(0, Math.floor(payload.length / 2)));
                return;
            case "short-body":
                write(status, fields, payload.subarray(0, Math.floor(payload.length / 2)));
                socket.end();
                return;
            case "trickle": {
                write(status, fields);
                let sent = 0;
                const timer = setInterval(() => {
                    if (socket.destroyed || sent >= payload.length) {
                        clearInterval(timer);
                        return;
                    }
                    socket.write(payload.subarray(sent, sent + 16 * 1024));
                    sent += 16 * 1024;
                }, 100);
                socket.on("close", () => clearInterval(timer));
                return;
            }
            default:
                write(status, fields, payload);
        }
    };

    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address();
    const port = typeof address === "object" && address != null ? address.port : 0;
    return {
        url: `http://127.0.0.1:${port}`,
        close: async () => {
            for (const socket of sockets) socket.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        }
    };
}
