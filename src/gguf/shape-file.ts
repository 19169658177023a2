import type {z} from "zod";
import {parse as parseYaml} from "yaml";
import {resolveShape} from "./twin-layout.js";
import {ModelShapeSchema} from "./shape.js";
import type {ModelShape, ModelShapeInput} from "./shape.js";
import {findShapePreset} from "./shape-presets.js";
import {readTextFile} from "../util/fs.js";
import {UserError, errorMessage} from "../util/errors.js";

/** Shape fields that may be given one by one (flags) on top of a preset or a shape file. */
export const ShapeOverridesSchema = ModelShapeSchema.partial();
export type ShapeOverrides = z.infer<typeof ShapeOverridesSchema>;

const REQUIRED_SHAPE_FIELDS: Array<[keyof ShapeOverrides, string]> = [
    ["architecture", "--arch"],
    ["hiddenSize", "--hidden"],
    ["layers", "--layers"],
    ["heads", "--heads"],
    ["ffnSize", "--ffn"],
    ["vocabSize", "--vocab"],
    ["contextLength", "--ctx"]
];

/** Read a shape from a JSON or YAML file holding ModelShape fields (camelCase, as in `synth --json`'s "shape"). */
export async function loadShapeFile(path: string): Promise<ShapeOverrides> {
    // A regular text file of a plausible size only: a FIFO would hang the read.
    const text = await readTextFile(path, {label: "the shape file", maxBytes: 1024 * 1024, strictText: true});
    let data: unknown;
    try {
        data = parseYaml(text);
    } catch (error) {
        throw new UserError(`Shape file ${path} is not valid JSON or YAML: ${errorMessage(error)}.`, {cause: error});
    }
    const parsed = ShapeOverridesSchema.strict().safeParse(data);
    if (!parsed.success) {
        const issue = parsed.error.issues[0];
        const where = issue && issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
        throw new UserError(`Shape file ${path} is invalid: ${where}${issue?.message ?? "invalid value"}.`);
    }
    return parsed.data;
}

export interface SynthShapeRequest {
    preset?: string;
    shapeFile?: string;
    /** Fields given one by one; they override the preset or file. */
    overrides?: ShapeOverrides;
}

/** The shape `llmproof synth` should write, and a short label for file and model names. */
export async function resolveSynthShape(request: SynthShapeRequest): Promise<{shape: ModelShape; label: string}> {
    if (request.preset && request.shapeFile) throw new UserError("Give either --preset or --shape, not both.");
    const base: ShapeOverrides = request.preset
        ? findShapePreset(request.preset).shape
        : request.shapeFile
          ? await loadShapeFile(request.shapeFile)
          : {};
    const overrides = Object.fromEntries(
        Object.entries(request.overrides ?? {}).filter(([, value]) => value !== undefined)
    );
    const merged: ShapeOverrides = {...base, ...overrides};
    if (merged.kvHeads === undefined && merged.heads !== undefined) merged.kvHeads = merged.heads;
    const missing = REQUIRED_SHAPE_FIELDS.filter(([field]) => merged[field] === undefined).map(([, flag]) => flag);
    if (missing.length > 0)
        throw new UserError(`Give --preset, --shape or a full shape; missing ${missing.join(", ")}.`);
    // resolveShape validates (UserError on a shape llama.cpp cannot load) and fills the defaults.
    const resolved = resolveShape(merged as ModelShapeInput);
    const shape = ModelShapeSchema.parse({...merged, ropeTheta: resolved.ropeTheta, rmsNormEps: resolved.rmsNormEps});
    const label = request.preset
        ? findShapePreset(request.preset).name + (Object.keys(overrides).length > 0 ? "-custom" : "")
        : `${shape.architecture}-h${shape.hiddenSize}-l${shape.layers}`;
    return {
        shape,
        label
    };
}
