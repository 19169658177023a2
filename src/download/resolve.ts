import {stat} from "node:fs/promises";
import {join} from "node:path";
import {resolveModelsDir} from "./cache.js";
import {isHfUri} from "./hf-uri.js";
import {resolveHubEndpoint, resolveHubToken} from "./hub-api.js";
import {displayUrl, isRemoteUrl, planModel, requestHeadersFor, type ModelPlan} from "./plan.js";

/**
 * Where to read a model from, for commands that need only its header (`inspect`): a local file,
 * or a remote URL plus the request headers it needs. `hf:` URIs and catalog ids resolve to the hub
 * URL of the file (the first part of a split set), unless a complete copy is already in the cache.
 */
export type ModelSource =
    | {kind: "local"; path: string}
    | {
          kind: "remote";
          url: string;
          /** May hold the hub token: pass it to the request, never print or store it. */
          headers: Record<string, string>;
          /** What to call it in messages (no credentials). */
          label: string;
      };

export interface ResolveSourceOptions {
    env?: NodeJS.ProcessEnv;
    signal?: AbortSignal;
}

export async function resolveModelSource(ref: string, options: ResolveSourceOptions = {}): Promise<ModelSource> {
    const env = options.env ?? process.env;
    if (!isHfUri(ref) && !isRemoteUrl(ref) && (looksLikePath(ref) || (await exists(ref))))
        return {kind: "local", path: ref};

    const endpoint = resolveHubEndpoint(env);
    const token = await resolveHubToken(env);
    // Header reads need no file listing for an hf: file URI; a quantization or catalog id may need one.
    const plan = await planModel(ref, {
        endpoint,
        token,
        modelsDir: resolveModelsDir(env),
        listing: false,
        signal: options.signal,
        env
    });
    const cached = await completeCachedCopy(plan);
    if (cached != null) return {kind: "local", path: cached};
    const first = plan.files[0]!;
    return {
        kind: "remote",
        url: first.url,
        headers: requestHeadersFor(plan, token),
        label: isRemoteUrl(ref) ? displayUrl(ref) : plan.label
    };
}

function looksLikePath(ref: string): boolean {
    return ref.includes("/") || ref.includes("\\") || ref.toLowerCase().endsWith(".gguf");
}

async function exists(path: string): Promise<boolean> {
    return await stat(path).then(
        () => true,
        () => false
    );
}

/** The cached copy of the first file, when every file of the plan is complete (no partial download left). */
async function completeCachedCopy(plan: ModelPlan): Promise<string | undefined> {
    for (const file of plan.files) {
        const path = join(file.place.dir, file.place.fileName);
        const info = await stat(path).catch(() => undefined);
        if (
            info == null ||
            !info.isFile() ||
            (file.size != null && info.size !== file.size) ||
            (await exists(`${path}.ipull`))
        )
            return undefined;
    }
    const first = plan.files[0]!;
    return join(first.place.dir, first.place.fileName);
}
