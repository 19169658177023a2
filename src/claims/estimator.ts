import type {HardwareFile} from "../catalog/hardware-schema.js";
import {deviceById, findHardware, type HardwareTarget} from "../catalog/hardware.js";
import type {Catalog} from "../catalog/schema.js";
import type {Calibration} from "../estimate/calibration.js";
import type {EstimateModel} from "../estimate/model.js";
import {judgeFit, judgeSpeedClaim, judgeSpeedupRatio} from "../estimate/verdicts.js";
import type {Estimator} from "./kinds/types.js";
import {hardwareProfiles} from "./lexicon/entities.js";

/**
 * The estimator the speed and hardware-fit judges consult (kinds/types.ts `Estimator`): the pure
 * verdict API of src/estimate on the profiles of hardware.yaml (read once per process, the same
 * file the lexicon recognises hardware with) and this machine's stored calibration. Judges are
 * synchronous, so the models' bytes per token are prepared beforehand (`prepare`, from the catalog:
 * offline, pure arithmetic on the shape or the published facts).
 */

/** "this machine", "my machine", "here": a claim about the machine llmproof runs on. */
const THIS_MACHINE = /^(?:this|my|our|your)\s+(?:machine|computer|pc|box|laptop|desktop)$|^here$|^this-machine$/i;

export class CatalogEstimator implements Estimator {
    private readonly models = new Map<string, EstimateModel | null>();

    constructor(
        private readonly catalog: Catalog,
        private readonly hardware: HardwareFile,
        private readonly calibration: Calibration | null
    ) {}

    /** Bytes per token of a model at each quant (a quant without facts is remembered as null). */
    async prepare(modelId: string, quants: Iterable<string>): Promise<void> {
        const {estimateModelFromCatalog} = await import("../estimate/model.js");
        for (const quant of quants) {
            const key = `${modelId}:${quant}`;
            if (this.models.has(key)) continue;
            this.models.set(key, await estimateModelFromCatalog(this.catalog, key).catch(() => null));
        }
    }

    private model(modelId: string, quant: string): EstimateModel | null {
        return this.models.get(`${modelId}:${quant}`) ?? null;
    }

    target(phrase: string): HardwareTarget | "this-machine" | null {
        if (THIS_MACHINE.test(phrase.trim())) return this.calibration ? "this-machine" : null;
        const target = findHardware(this.hardware, phrase);
        return target && target.members.length > 0 ? target : null;
    }

    speed(input: Parameters<Estimator["speed"]>[0]) {
        const model = this.model(input.modelId, input.quant);
        if (!model) return null;
        if (input.target === "this-machine" && !this.calibration) return null;
        const base = model.bytes.method === "catalog" ? 0.1 : 0;
        return judgeSpeedClaim({
            model,
            claimedTokensPerSecond: input.claimedTokensPerSecond,
            phase: input.phase,
            target: input.target,
            hardware: this.hardware,
            calibration: this.calibration,
            margin: base + input.tolerance
        });
    }

    speedup(input: Parameters<Estimator["speedup"]>[0]) {
        const faster = this.model(input.modelId, input.faster);
        const slower = this.model(input.modelId, input.slower);
        if (!faster || !slower) return null;
        return judgeSpeedupRatio({
            faster: {label: input.faster, bytes: faster.bytes},
            slower: {label: input.slower, bytes: slower.bytes},
            claimedRatio: input.claimedRatio,
            tolerance: input.tolerance
        });
    }

    deviceKind(deviceId: string): string | null {
        return deviceById(this.hardware, deviceId)?.kind ?? null;
    }

    fit(input: Parameters<Estimator["fit"]>[0]) {
        const model = this.model(input.modelId, input.quant);
        if (!model) return null;
        return judgeFit({model, target: input.target, hardware: this.hardware});
    }
}

/** The run's estimator: hardware.yaml's profiles and, when stored, this machine's calibration; null without profiles. */
export async function makeEstimator(catalog: Catalog, env?: NodeJS.ProcessEnv): Promise<CatalogEstimator | null> {
    const hardware = hardwareProfiles();
    if (!hardware) return null;
    const {loadCalibration} = await import("../estimate/calibration.js");
    const calibration = await loadCalibration(env).catch(() => null);
    return new CatalogEstimator(catalog, hardware, calibration);
}
