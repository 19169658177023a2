import type {HardwareFile} from "../catalog/hardware-schema.js";
import type {HardwareDevice} from "../catalog/hardware-schema.js";
import {
    bandwidthBytesPerSecond,
    gibToBytes,
    peakCompute,
    usableFraction,
    type HardwareTarget,
    type PeakCompute
} from "../catalog/hardware.js";
import type {Calibration} from "./calibration.js";
import type {EstimateModel} from "./model.js";
import {
    bytesReadPerGeneratedToken,
    calibratedTokensPerSecond,
    fitOutcome,
    meanDepth,
    memoryNeed,
    ppBound,
    tgBound,
    tieredTgBound,
    typicalRange,
    type FitOutcome,
    type MemoryNeed,
    type Range
} from "./roofline.js";

/**
 * The estimate of one model on one hardware target (a device, each member of a class, or this
 * machine once calibrated): pure, from the model's facts and the profiles' figures. Every number
 * carries the figures it came from, so a renderer can say which profile and which figures it used.
 */

export interface FigureUsed {
    /** Device id, or "this-machine". */
    device: string;
    deviceName: string;
    figure: "bandwidth" | "compute" | "memory" | "calibration" | "offload";
    value: number;
    unit: string;
    source: string;
}

export interface FitOnMemory {
    memoryGiB: number;
    capacityBytes: number;
    usableBytes: number;
    usableFraction: number;
    outcome: FitOutcome;
}

export interface MemberEstimate {
    deviceId: string;
    deviceName: string;
    kind: HardwareDevice["kind"] | "this-machine";
    bandwidthBytesPerSecond: number;
    /**
     * Where the weights are read from at the member's largest memory size: all in its memory, part
     * from the host's RAM (a GPU too small for them), or part from storage (a device too small).
     */
    placement: "in-memory" | "partial-offload" | "from-storage";
    /** Share of the weights held in the device's own memory, 0..1. */
    residentShare: number;
    tg: {bound: number; typical: Range; basis: "assumed-efficiency" | "calibrated"};
    /** null bound: no published compute figure (the bound is unknown, not guessed). */
    pp: {
        bound: number | null;
        typical: Range | null;
        compute: PeakCompute | null;
        basis: "assumed-efficiency" | "calibrated";
    };
    fit: FitOnMemory[];
    figures: FigureUsed[];
}

export interface EstimateOptions {
    /** Context size for the fit (KV cache of this many tokens); default 4096 or the model's, if smaller. */
    context?: number;
    /** Tokens already in the context when generation starts (llama-bench -d); default 0. */
    depth?: number;
    /** Generated tokens the tg figure is for (llama-bench -n); default 128. */
    nGen?: number;
}

export interface EstimateResult {
    model: EstimateModel;
    hardware: {
        kind: "device" | "class" | "this-machine";
        id: string;
        name: string;
        note: string | null;
        memoryFilterGiB: number | null;
    };
    context: number;
    depth: number;
    nGen: number;
    /** Weights plus the mean KV cache read per generated token at this depth, bytes. */
    bytesPerGeneratedToken: number;
    need: MemoryNeed;
    members: MemberEstimate[];
    assumptions: {
        tgEfficiency: Range;
        ppEfficiency: Range;
        efficiencySource: string;
        overheadSource: string;
        offload: {hostGBps: number; hostSource: string; storageGBps: number; storageSource: string};
    };
    calibration: {
        date: string;
        mismatch: string | null;
        /** Bytes per token of the largest calibration twin, when this model reads more than 1.25x that: an extrapolation. */
        beyondBytes: number | null;
    } | null;
}

export const DEFAULT_CONTEXT = 4096;
export const DEFAULT_N_GEN = 128;

function resolveOptions(model: EstimateModel, options: EstimateOptions) {
    const context = options.context ?? Math.min(DEFAULT_CONTEXT, model.contextLength ?? DEFAULT_CONTEXT);
    const depth = options.depth ?? 0;
    const nGen = options.nGen ?? DEFAULT_N_GEN;
    const bytesPerGeneratedToken = bytesReadPerGeneratedToken(
        model.bytes.readBytesPerToken,
        model.bytes.kvBytesPerToken,
        meanDepth(depth, nGen)
    );
    return {context, depth, nGen, bytesPerGeneratedToken};
}

/** Memory to run the model at a context: file + KV cache + runtime overhead (hardware.yaml's assumption). */
export function modelMemoryNeed(model: EstimateModel, hardware: HardwareFile, context: number): MemoryNeed {
    return memoryNeed({
        weightBytes: model.fileBytes,
        kvBytesPerToken: model.bytes.kvBytesPerToken,
        context,
        overheadBytes: gibToBytes(hardware.assumptions.runtimeOverheadGiB.value)
    });
}

function fitsOn(needBytes: number, memoryGiB: readonly number[], fraction: number): FitOnMemory[] {
    return memoryGiB.map((size) => {
        const capacityBytes = gibToBytes(size);
        return {
            memoryGiB: size,
            capacityBytes,
            usableBytes: capacityBytes * fraction,
            usableFraction: fraction,
            outcome: fitOutcome(needBytes, capacityBytes, fraction)
        };
    });
}

/** The estimate for every member of a target (a device is a target of one). */
export function estimateOnTarget(
    model: EstimateModel,
    target: HardwareTarget,
    hardware: HardwareFile,
    options: EstimateOptions = {}
): EstimateResult {
    const resolved = resolveOptions(model, options);
    const need = modelMemoryNeed(model, hardware, resolved.context);
    const {tg: tgEfficiency, pp: ppEfficiency} = hardware.assumptions.typicalEfficiency;
    const members: MemberEstimate[] = target.members.map(({device, memoryGiB}) => {
        const bandwidth = bandwidthBytesPerSecond(device);
        const compute = peakCompute(device);
        const pp = compute == null ? null : ppBound(compute.opsPerSecond, model.bytes.activeParameters);
        const fraction = usableFraction(hardware, device.kind);
        // The bound is for the member's largest memory size: what fits there is read at its bandwidth.
        const room = gibToBytes(Math.max(...memoryGiB)) * fraction.value - need.kvBytes - need.overheadBytes;
        const residentShare = Math.min(1, Math.max(0, room / need.weightBytes));
        const slowTier =
            device.kind === "gpu"
                ? hardware.assumptions.offloadBandwidthGBps.host
                : hardware.assumptions.offloadBandwidthGBps.storage;
        const placement = residentShare >= 1 ? "in-memory" : device.kind === "gpu" ? "partial-offload" : "from-storage";
        const tg =
            residentShare >= 1
                ? tgBound(bandwidth, resolved.bytesPerGeneratedToken)
                : tieredTgBound({
                      fastBandwidth: bandwidth,
                      slowBandwidth: slowTier.value * 1e9,
                      bytesPerToken: resolved.bytesPerGeneratedToken,
                      weightBytesPerToken: model.bytes.readBytesPerToken,
                      fastShare: residentShare
                  });
        const figures: FigureUsed[] = [
            {
                device: device.id,
                deviceName: device.name,
                figure: "bandwidth",
                value: device.bandwidthGBps.value,
                unit: "GB/s",
                source: device.bandwidthGBps.source
            },
            {
                device: device.id,
                deviceName: device.name,
                figure: "memory",
                value: Math.max(...memoryGiB),
                unit: "GiB",
                source: device.memoryGiB.source
            }
        ];
        if (placement !== "in-memory")
            figures.push({
                device: device.id,
                deviceName: device.name,
                figure: "offload",
                value: slowTier.value,
                unit: placement === "partial-offload" ? "GB/s (host RAM)" : "GB/s (storage)",
                source: slowTier.source
            });
        if (compute != null)
            figures.push({
                device: device.id,
                deviceName: device.name,
                figure: "compute",
                value: compute.value,
                unit:
                    compute.figure === "int8Tops"
                        ? "TOPS (int8)"
                        : compute.figure === "fp16Tflops"
                          ? "TFLOPS (FP16)"
                          : "TFLOPS (FP32)",
                source: compute.source
            });
        return {
            deviceId: device.id,
            deviceName: device.name,
            kind: device.kind,
            bandwidthBytesPerSecond: bandwidth,
            placement,
            residentShare,
            tg: {bound: tg, typical: typicalRange(tg, tgEfficiency), basis: "assumed-efficiency"},
            pp: {
                bound: pp,
                typical: pp == null ? null : typicalRange(pp, ppEfficiency),
                compute,
                basis: "assumed-efficiency"
            },
            fit: fitsOn(need.totalBytes, memoryGiB, fraction.value),
            figures
        };
    });
    return {
        model,
        hardware: {
            kind: target.kind,
            id: target.id,
            name: target.name,
            note: target.note,
            memoryFilterGiB: target.memoryFilterGiB
        },
        ...resolved,
        need,
        members,
        assumptions: {
            tgEfficiency,
            ppEfficiency,
            efficiencySource: hardware.assumptions.typicalEfficiency.source,
            overheadSource: hardware.assumptions.runtimeOverheadGiB.source,
            offload: offloadAssumptions(hardware)
        },
        calibration: null
    };
}

/**
 * The estimate on this machine from its calibration: the bound from the measured read bandwidth,
 * the expectation from the calibrated cost model (not an assumed efficiency), the fit against its RAM.
 */
export function estimateOnThisMachine(
    model: EstimateModel,
    calibration: Calibration,
    hardware: HardwareFile,
    options: EstimateOptions & {mismatch?: string | null} = {}
): EstimateResult {
    const resolved = resolveOptions(model, options);
    const need = modelMemoryNeed(model, hardware, resolved.context);
    const name = `this machine (${calibration.provenance.cpu.model}, ${calibration.threads} threads)`;
    const bound = tgBound(calibration.kernel.bytesPerSecond, resolved.bytesPerGeneratedToken);
    const layers = model.layers ?? 1;
    const expected = calibratedTokensPerSecond(calibration.fit, resolved.bytesPerGeneratedToken, layers);
    const spread = calibrationSpread(calibration);
    const ppOps = calibration.ppOpsPerSecond ?? null;
    const ramGiB = calibration.provenance.ramBytes / gibToBytes(1);
    const fraction = usableFraction(hardware, "cpu");
    const member: MemberEstimate = {
        deviceId: "this-machine",
        deviceName: name,
        kind: "this-machine",
        bandwidthBytesPerSecond: calibration.kernel.bytesPerSecond,
        placement: "in-memory",
        residentShare: 1,
        tg: {
            bound,
            typical: {low: expected * (1 - spread), high: Math.min(bound, expected * (1 + spread))},
            basis: "calibrated"
        },
        pp: {
            bound: null,
            typical:
                ppOps == null
                    ? null
                    : {
                          low: ppOps.low / (2 * model.bytes.activeParameters),
                          high: ppOps.high / (2 * model.bytes.activeParameters)
                      },
            compute: null,
            basis: "calibrated"
        },
        fit: fitsOn(need.totalBytes, [Number(ramGiB.toFixed(1))], fraction.value),
        figures: [
            {
                device: "this-machine",
                deviceName: name,
                figure: "bandwidth",
                value: calibration.kernel.bytesPerSecond / 1e9,
                unit: "GB/s",
                source: `measured ${calibration.date.slice(0, 10)}: ${calibration.kernel.method}`
            },
            {
                device: "this-machine",
                deviceName: name,
                figure: "calibration",
                value: calibration.fit.effectiveBandwidth / 1e9,
                unit: "GB/s reached by llama.cpp",
                source:
                    `tg on ${calibration.points.map((point) => point.label).join(", ")} twins, ` +
                    `${(calibration.fit.secondsPerLayer * 1e6).toFixed(1)} µs per layer per token`
            },
            {
                device: "this-machine",
                deviceName: name,
                figure: "memory",
                value: ramGiB,
                unit: "GiB",
                source: "this machine's RAM (systeminformation)"
            }
        ]
    };
    const {tg: tgEfficiency, pp: ppEfficiency} = hardware.assumptions.typicalEfficiency;
    return {
        model,
        hardware: {kind: "this-machine", id: "this-machine", name, note: null, memoryFilterGiB: null},
        ...resolved,
        need,
        members: [member],
        assumptions: {
            tgEfficiency,
            ppEfficiency,
            efficiencySource: "measured on this machine (llmproof estimate --calibrate)",
            overheadSource: hardware.assumptions.runtimeOverheadGiB.source,
            offload: offloadAssumptions(hardware)
        },
        calibration: {
            date: calibration.date,
            mismatch: options.mismatch ?? null,
            beyondBytes: beyondCalibration(calibration, resolved.bytesPerGeneratedToken)
        }
    };
}

/** Reads above this multiple of the largest calibration twin's are an extrapolation of the fit. */
export const CALIBRATED_RANGE_SLACK = 1.25;

/** The largest calibration twin's bytes per token when `bytesPerToken` lies beyond the calibrated sizes, else null. */
export function beyondCalibration(calibration: Calibration, bytesPerToken: number): number | null {
    const largest = Math.max(...calibration.points.map((point) => point.bytesPerToken));
    return bytesPerToken > largest * CALIBRATED_RANGE_SLACK ? largest : null;
}

/** How far the calibrated model missed its own points (at least 5%): the width of the expected range. */
export function calibrationSpread(calibration: Calibration): number {
    const misses = calibration.points.map(
        (point) =>
            Math.abs(
                calibratedTokensPerSecond(calibration.fit, point.bytesPerToken, point.layers) - point.tokensPerSecond
            ) / point.tokensPerSecond
    );
    return Math.max(0.05, ...misses);
}

function offloadAssumptions(hardware: HardwareFile): EstimateResult["assumptions"]["offload"] {
    const {host, storage} = hardware.assumptions.offloadBandwidthGBps;
    return {hostGBps: host.value, hostSource: host.source, storageGBps: storage.value, storageSource: storage.source};
}
