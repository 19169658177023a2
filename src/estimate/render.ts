import Table from "cli-table3";
import type {HardwareFile} from "../catalog/hardware-schema.js";
import {peakCompute} from "../catalog/hardware.js";
import {formatCount} from "../util/units.js";
import type {Calibration} from "./calibration.js";
import {calibratedTokensPerSecond} from "./roofline.js";
import type {EstimateResult, MemberEstimate} from "./estimate.js";
import type {FitOutcome, Range} from "./roofline.js";
import type {FitJudgement, SpeedJudgement, SpeedupJudgement, TargetSummary} from "./verdicts.js";
import {UNKNOWN_KV_SPARE} from "./verdicts.js";

/**
 * The one place the estimator's numbers become English: verdict notes for the claims engine and
 * the table / Markdown exporters of `llmproof estimate`. Notes always say which profile and which
 * figures were used.
 */

/** "1.01 TB/s", "360 GB/s", "12.8 GB/s". */
export function formatBandwidth(bytesPerSecond: number): string {
    if (bytesPerSecond >= 1e12) return `${(bytesPerSecond / 1e12).toFixed(2)} TB/s`;
    if (bytesPerSecond >= 100e9) return `${Math.round(bytesPerSecond / 1e9)} GB/s`;
    return `${(bytesPerSecond / 1e9).toFixed(1)} GB/s`;
}

/** Decimal bytes as "4.92 GB" / "531 MB" (the unit hubs and newsletters write). */
export function formatSize(bytes: number): string {
    if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(2)} GB`;
    if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
    return `${Math.round(bytes / 1e3)} kB`;
}

export function formatRate(tokensPerSecond: number): string {
    if (tokensPerSecond >= 100) return Math.round(tokensPerSecond).toLocaleString("en-US");
    if (tokensPerSecond >= 10) return tokensPerSecond.toFixed(1);
    return tokensPerSecond.toFixed(2);
}

function formatRange(range: Range | null): string {
    return range == null ? "—" : `${formatRate(range.low)}–${formatRate(range.high)}`;
}

/** "660.6 TOPS", "13.6 TFLOPS", "230 GOPS": operations per second (FLOPs when `floating`). */
function formatOps(opsPerSecond: number, floating = false): string {
    const unit = floating ? "FLOPS" : "OPS";
    return opsPerSecond >= 1e12
        ? `${(opsPerSecond / 1e12).toFixed(1)} T${unit}`
        : `${Math.round(opsPerSecond / 1e9)} G${unit}`;
}

function formatGiB(gib: number): string {
    return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GB`;
}

/** "consumer GPU (10 devices: NVIDIA GeForce RTX 4060 … AMD Radeon RX 7900 XTX; desktop cards with 8 to 32 GB)". */
export function describeTarget(target: TargetSummary): string {
    if (target.kind !== "class") return target.name;
    const count = `${target.memberIds.length} profile${target.memberIds.length === 1 ? "" : "s"}`;
    const note = target.note == null ? "" : `; ${target.note.replace(/\.$/, "")}`;
    return `${target.name} (${count}: ${target.memberIds.join(", ")}${note})`;
}

function figureSource(judgement: {figuresUsed: {figure: string; source: string}[]}, figure: string): string {
    const found = judgement.figuresUsed.find((entry) => entry.figure === figure);
    return found == null ? "" : ` (${found.source})`;
}

function placementClause(judgement: SpeedJudgement): string {
    const device = judgement.boundDevice;
    if (device == null || device.placement === "in-memory") return "";
    const offload = judgement.figuresUsed.find((figure) => figure.figure === "offload");
    const share = `${Math.round(device.residentShare * 100)}%`;
    const tier = device.placement === "partial-offload" ? "the host's RAM" : "storage";
    const rate = offload == null ? "" : ` at ${formatBandwidth(offload.value * 1e9)} (${offload.source})`;
    return `; only ${share} of the weights fit in its memory, the rest is read from ${tier}${rate}`;
}

export function renderSpeedNote(judgement: SpeedJudgement): string {
    const claimed = `${formatRate(judgement.claimedTokensPerSecond)} tokens/s`;
    const perToken = `${formatSize(judgement.bytesPerGeneratedToken)} per token`;
    const where = describeTarget(judgement.target);
    const device = judgement.boundDevice?.name ?? where;
    const subject = judgement.target.kind === "class" ? `on ${where}, the fastest, the ${device},` : `the ${device}`;
    if (judgement.phase === "tg") {
        const needed = formatBandwidth(judgement.needed.bandwidthBytesPerSecond ?? 0);
        const available = `${formatBandwidth(judgement.available.bandwidthBytesPerSecond ?? 0)}${figureSource(judgement, "bandwidth")}`;
        const bound = formatRate(judgement.boundTokensPerSecond ?? 0);
        const head = `${claimed} of ${judgement.modelLabel} needs ${needed} of weight reads (${perToken});`;
        if (judgement.reason === "above-bound")
            return `${head} ${subject} has ${available}${placementClause(judgement)}, so at most ${bound} tokens/s.`;
        if (judgement.reason === "within-bound")
            return (
                `${head} ${subject} allows at most ${bound} tokens/s with ${available}${placementClause(judgement)}, ` +
                `and llama.cpp typically reaches ${formatRange(judgement.typicalRange)} tokens/s there. ` +
                `Measure it on that hardware with \`${judgement.measureCommand}\`.`
            );
        return `No bandwidth figure bounds ${claimed} on ${where}.`;
    }
    const neededOps = formatOps(judgement.needed.opsPerSecond ?? 0);
    const params = formatCount(judgement.activeParameters);
    const head = `Prompt processing at ${claimed} of ${judgement.modelLabel} needs ${neededOps} (2 x ${params} active parameters per token);`;
    if (judgement.reason === "no-bound")
        return `${head} no published compute figure bounds every profile of ${where}. Measure it with \`${judgement.measureCommand}\`.`;
    const available = `${formatOps(judgement.available.opsPerSecond ?? 0)}${figureSource(judgement, "compute")}`;
    const bound = formatRate(judgement.boundTokensPerSecond ?? 0);
    if (judgement.reason === "above-bound")
        return `${head} ${subject} peaks at ${available}, so at most ${bound} tokens/s.`;
    return (
        `${head} ${subject} peaks at ${available}, so at most ${bound} tokens/s; llama.cpp typically reaches ` +
        `${formatRange(judgement.typicalRange)}. Measure it with \`${judgement.measureCommand}\`.`
    );
}

export function renderSpeedupNote(judgement: SpeedupJudgement): string {
    const ratio = `${judgement.claimedRatio.toFixed(judgement.claimedRatio >= 10 ? 0 : 1)}x`;
    const bound = `${judgement.maxRatio.toFixed(2)}x`;
    const reads =
        `${judgement.slowerLabel} reads ${formatSize(judgement.slowerBytesPerToken)} per generated token, ` +
        `${judgement.fasterLabel} ${formatSize(judgement.fasterBytesPerToken)}`;
    if (judgement.verdict === "refuted")
        return (
            `A ${ratio} speed-up is more than memory allows: ${reads}, so on any machine where generation ` +
            `is memory-bound ${judgement.fasterLabel} is at most ${bound} as fast.`
        );
    return `A ${ratio} speed-up is within the ${bound} that the bytes per token allow (${reads}); only a measurement can confirm it.`;
}

const OUTCOME_WORDS: Record<FitOutcome, string> = {
    fits: "fits",
    tight: "only just fits",
    "does-not-fit": "does not fit"
};

export function renderFitNote(judgement: FitJudgement): string {
    const need = judgement.need;
    const kv = need.kvKnown ? `${formatSize(need.kvBytes)} of KV cache` : "an unknown KV cache";
    const parts = `${formatSize(need.weightBytes)} of weights, ${kv} and ${formatSize(need.overheadBytes)} of buffers`;
    const list = (members: FitJudgement["members"]) =>
        members.map((member) => `${member.deviceName} ${formatGiB(member.memoryGiB)}`).join(", ");
    const where = describeTarget(judgement.target);
    const spare = need.kvKnown
        ? ""
        : ` Without the model's shape the KV cache is unknown, so a memory size counts only with ${Math.round((1 - UNKNOWN_KV_SPARE) * 100)}% to spare.`;
    const head = `It needs about ${formatSize(judgement.needBytes)} (${parts}).${spare}`;
    if (judgement.coverage === "all") return `${head} It fits on every profile of ${where}.`;
    if (judgement.coverage === "none")
        return `${head} It fits on no profile of ${where}: the largest has ${formatGiB(Math.max(...judgement.members.map((member) => member.memoryGiB)))}.`;
    const tight =
        judgement.tightOn.length > 0
            ? ` It only just fits (above the usable share) on ${list(judgement.tightOn)}.`
            : "";
    const fits = judgement.fitsOn.length > 0 ? ` It fits on ${list(judgement.fitsOn)}.` : "";
    return `${head} On ${where}:${fits}${tight} Not on the others.`;
}

// ---------------------------------------------------------------------------------------------
// `llmproof estimate` output
// ---------------------------------------------------------------------------------------------

function fitCell(member: MemberEstimate): string {
    return member.fit.map((fit) => `${formatGiB(fit.memoryGiB)}: ${OUTCOME_WORDS[fit.outcome]}`).join("\n");
}

function headerLines(result: EstimateResult): string[] {
    const bytes = result.model.bytes;
    const method =
        bytes.method === "header"
            ? "GGUF header"
            : bytes.method === "twin-layout"
              ? "catalog shape, llama.cpp quantization layout"
              : "catalog facts";
    const moe = bytes.moe == null ? "" : ` (MoE: ${bytes.moe.expertsUsed} of ${bytes.moe.expertCount} experts)`;
    const kv =
        bytes.kvBytesPerToken == null
            ? "; KV cache size unknown"
            : `; KV cache ${formatSize(bytes.kvBytesPerToken)} per token of context (${bytes.kv?.cacheType})`;
    const need = result.need;
    const test = `tg${result.nGen}${result.depth > 0 ? ` @ d${result.depth}` : ""}`.padEnd(10);
    const lines = [
        `model      ${result.model.label} (${method}; ${result.model.source})`,
        `weights    ${formatSize(result.model.fileBytes)} in memory (${result.model.fileBytesSource}); ` +
            `${formatCount(bytes.parameters)} parameters, ${formatCount(bytes.activeParameters)} active per token`,
        `per-token  ${formatSize(bytes.readBytesPerToken)} of weights read${moe}${kv}`,
        `${test} ${formatSize(result.bytesPerGeneratedToken)} read per generated token (weights + mean KV)`,
        `memory     ${formatSize(need.totalBytes)} at ${result.context.toLocaleString("en-US")} tokens of context ` +
            `(weights ${formatSize(need.weightBytes)} + KV ${formatSize(need.kvBytes)} + buffers ${formatSize(need.overheadBytes)})`,
        `hardware   ${result.hardware.name}${result.hardware.note == null ? "" : `: ${result.hardware.note}`}`
    ];
    for (const note of bytes.notes) lines.push(`note       ${note}`);
    if (result.calibration?.beyondBytes != null)
        lines.push(
            `note       beyond the calibrated sizes (the largest twin reads ${formatSize(result.calibration.beyondBytes)} per token): ` +
                "the expected speed is extrapolated; weights llama.cpp reads through mmap rather than repacks " +
                "(Q8_0, Q6_K, F16) may run well below it on large files (see docs/estimate.md)"
        );
    if (result.calibration?.mismatch != null)
        lines.push(
            `warning    the calibration may be stale: ${result.calibration.mismatch}; rerun \`llmproof estimate --calibrate\``
        );
    return lines;
}

const PLACEMENT_MARK: Record<MemberEstimate["placement"], string> = {
    "in-memory": "",
    "partial-offload": " (offload)",
    "from-storage": " (storage)"
};

function footerLines(result: EstimateResult): string[] {
    const placements = new Set(result.members.map((member) => member.placement));
    const {tgEfficiency: tg, ppEfficiency: pp} = result.assumptions;
    const offload = result.assumptions.offload;
    const calibrated = result.members.some((member) => member.tg.basis === "calibrated");
    const lines = [
        "bound = memory bandwidth / bytes per token (tg), peak compute / (2 x active parameters) (pp); nothing runs faster.",
        calibrated
            ? "typical = this machine's calibration (measured bandwidth llama.cpp reaches and per-layer cost)."
            : `typical = bound x ${tg.low}-${tg.high} (tg), x ${pp.low}-${pp.high} (pp): ${result.assumptions.efficiencySource}`
    ];
    if (placements.has("partial-offload"))
        lines.push(
            `(offload): the weights do not all fit in VRAM; the rest is read from host RAM at ${offload.hostGBps} GB/s (${offload.hostSource}).`
        );
    if (placements.has("from-storage"))
        lines.push(
            `(storage): the weights do not all fit in memory; the rest is read from storage at ${offload.storageGBps} GB/s (${offload.storageSource}).`
        );
    return lines;
}

export function renderEstimateTable(result: EstimateResult): string {
    const table = new Table({
        head: ["device", "bandwidth", "tg bound t/s", "tg typical t/s", "pp bound t/s", "pp typical t/s", "fits"],
        colAligns: ["left", "right", "right", "right", "right", "right", "left"],
        style: {head: [], border: []}
    });
    for (const member of result.members)
        table.push([
            member.deviceName,
            formatBandwidth(member.bandwidthBytesPerSecond),
            formatRate(member.tg.bound) + PLACEMENT_MARK[member.placement],
            formatRange(member.tg.typical),
            member.pp.bound == null ? "—" : formatRate(member.pp.bound),
            formatRange(member.pp.typical),
            fitCell(member)
        ]);
    return [...headerLines(result), table.toString(), ...footerLines(result)].join("\n");
}

export function renderEstimateMarkdown(result: EstimateResult): string {
    const lines = headerLines(result).map((line) => `- ${line.replace(/^(\S+)\s+/, "**$1** ")}`);
    lines.push(
        "",
        "| device | bandwidth | tg bound t/s | tg typical t/s | pp bound t/s | pp typical t/s | fits |",
        "|---|---|---|---|---|---|---|"
    );
    for (const member of result.members)
        lines.push(
            `| ${member.deviceName} | ${formatBandwidth(member.bandwidthBytesPerSecond)} | ` +
                `${formatRate(member.tg.bound)}${PLACEMENT_MARK[member.placement]} | ${formatRange(member.tg.typical)} | ` +
                `${member.pp.bound == null ? "—" : formatRate(member.pp.bound)} | ${formatRange(member.pp.typical)} | ` +
                `${fitCell(member).replace(/\n/g, "<br>")} |`
        );
    lines.push("", ...footerLines(result).map((line) => `${line}  `));
    lines.push("", "Figures used:", "");
    const seen = new Set<string>();
    for (const member of result.members)
        for (const figure of member.figures) {
            const key = `${figure.device}|${figure.figure}`;
            if (seen.has(key)) continue;
            seen.add(key);
            lines.push(`- ${figure.deviceName}, ${figure.figure}: ${figure.value} ${figure.unit} (${figure.source})`);
        }
    return lines.join("\n");
}

export function renderEstimateJson(result: EstimateResult): string {
    return JSON.stringify(result, null, 2);
}

export function renderHardwareList(file: HardwareFile): string {
    const table = new Table({
        head: ["id", "name", "kind", "memory", "bandwidth", "peak compute"],
        style: {head: [], border: [], compact: true}
    });
    for (const device of file.devices) {
        const compute = peakCompute(device);
        table.push([
            device.id,
            device.name,
            device.kind,
            device.memoryGiB.value.map(formatGiB).join(" / "),
            formatBandwidth(device.bandwidthGBps.value * 1e9),
            compute == null
                ? "—"
                : formatOps(compute.opsPerSecond, compute.figure !== "int8Tops") +
                  (compute.figure === "int8Tops" ? " int8" : compute.figure === "fp16Tflops" ? " FP16" : " FP32")
        ]);
    }
    const classes = file.classes.map(
        (entry) => `${entry.name} (${entry.id}): ${entry.members.join(", ")}. ${entry.note}`
    );
    return [table.toString(), "", "classes:", ...classes.map((line) => `  ${line}`)].join("\n");
}

export function renderCalibration(calibration: Calibration): string {
    const table = new Table({
        head: ["twin", "file", "bytes/token", "layers", "tg measured t/s", "tg fitted t/s", "pp t/s"],
        style: {head: [], border: [], compact: true}
    });
    for (const point of calibration.points)
        table.push([
            point.label,
            formatSize(point.fileBytes),
            formatSize(point.bytesPerToken),
            point.layers,
            formatRate(point.tokensPerSecond),
            formatRate(calibratedTokensPerSecond(calibration.fit, point.bytesPerToken, point.layers)),
            point.ppTokensPerSecond == null ? "—" : formatRate(point.ppTokensPerSecond)
        ]);
    return [
        `machine    ${calibration.provenance.cpu.model}, ${calibration.threads} threads, ` +
            `${formatSize(calibration.provenance.ramBytes)} RAM, llama.cpp ${calibration.provenance.llamaCppRelease}`,
        `kernel     ${formatBandwidth(calibration.kernel.bytesPerSecond)} read bandwidth (${calibration.kernel.method})`,
        `llama.cpp  reaches ${formatBandwidth(calibration.fit.effectiveBandwidth)} in token generation ` +
            `(${(calibration.fit.fractionOfKernel * 100).toFixed(0)}% of the kernel), ` +
            `plus ${(calibration.fit.secondsPerLayer * 1e6).toFixed(1)} µs per layer per token`,
        table.toString()
    ].join("\n");
}
