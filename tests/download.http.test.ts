import {afterAll, beforeAll, describe, expect, it} from "vitest";
import {
    contentLength,
    httpByteSource,
    httpRequest,
    httpTimeoutMs,
    readBody,
    remoteFileSize
} from "../src/download/http.js";
import {UserError} from "../src/util/errors.js";
import {startBadServer, type BadServer} from "./fuzz/bad-server.js";

const body = Buffer.from(Array.from({length: 100_000}, (_, index) => index % 251));
let server: BadServer;
beforeAll(async () => {
    server = await startBadServer(body);
});
afterAll(async () => {
    await server?.close();
});

describe("http.ts", () => {
    it("reads LLMPROOF_HTTP_TIMEOUT in seconds and refuses values Node's timers cannot hold", () => {
        expect(httpTimeoutMs({})).toBe(30_000);
        expect(httpTimeoutMs({LLMPROOF_HTTP_TIMEOUT: "2.5"})).toBe(2500);
        expect(() => httpTimeoutMs({LLMPROOF_HTTP_TIMEOUT: "3000000"})).toThrow(UserError);
        expect(() => httpTimeoutMs({LLMPROOF_HTTP_TIMEOUT: "-1"})).toThrow(/LLMPROOF_HTTP_TIMEOUT/);
    });

    it("treats a negative, non-numeric or unsafe Content-Length as unknown", () => {
        expect(contentLength("123")).toBe(123);
        expect(contentLength("-1")).toBeNull();
        expect(contentLength("1e3")).toBeNull();
        expect(contentLength(String(2 ** 60))).toBeNull();
    });

    it("probes a size by HEAD, and reads ranges of it", async () => {
        const url = `${server.url}/good/model.gguf`;
        expect(await remoteFileSize(url)).toEqual({bytes: body.length, ranges: true});
        const source = httpByteSource(url, body.length);
        expect((await source.read(1000, 50)).equals(body.subarray(1000, 1050))).toBe(true);
    });

    it("reads the asked range from a server that answers a Range with 200", async () => {
        const source = httpByteSource(`${server.url}/range-200/model.gguf`, body.length);
        expect((await source.read(10, 20)).equals(body.subarray(10, 30))).toBe(true);
    });

    it("ends a stall before the headers with the connect timeout, after retries", async () => {
        const started = performance.now();
        const error = await httpRequest(`${server.url}/stall-headers/x`, {timeoutMs: 300, attempts: 2}).catch(
            (e: unknown) => e
        );
        expect(error).toBeInstanceOf(UserError);
        expect((error as Error).message).toMatch(/did not answer within 0\.3 s/);
        expect(performance.now() - started).toBeLessThan(5000);
    });

    it("ends a stall mid-body with the idle timeout, and a body cut short with a sentence", async () => {
        const stalled = await httpRequest(`${server.url}/stall-mid/x`, {timeoutMs: 300});
        await expect(readBody(stalled, {maxBytes: body.length, timeoutMs: 300, label: "x"})).rejects.toThrow(
            /stopped sending x for 0\.3 s/
        );
        const short = await httpRequest(`${server.url}/short-body/x`, {timeoutMs: 1000});
        await expect(readBody(short, {maxBytes: body.length, timeoutMs: 1000, label: "x"})).rejects.toThrow(
            /broke off/
        );
    });

    it("names a redirect loop", async () => {
        await expect(httpRequest(`${server.url}/redirect-loop/x`, {timeoutMs: 2000})).rejects.toThrow(
            /redirects .* in a loop/
        );
    });
});
