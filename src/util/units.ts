/**
 * Units and their formatting: the one home for byte and count multipliers and for how bytes,
 * counts and percentages are written. Decimal units (GB = 1e9 bytes) are how hubs publish sizes;
 * binary units (GiB = 2^30 bytes) are how memory is sold and how tools report it.
 */

export const KB = 1e3;
export const MB = 1e6;
export const GB = 1e9;
export const TB = 1e12;
export const KiB = 2 ** 10;
export const MiB = 2 ** 20;
export const GiB = 2 ** 30;
export const TiB = 2 ** 40;

/** Byte units by lower-case spelling (symbols and words; "gigs"/"megs" are decimal, as people say them). */
export const BYTES_PER_UNIT: Readonly<Record<string, number>> = {
    b: 1,
    byte: 1,
    bytes: 1,
    kb: KB,
    mb: MB,
    gb: GB,
    tb: TB,
    kib: KiB,
    mib: MiB,
    gib: GiB,
    tib: TiB,
    kilobyte: KB,
    kilobytes: KB,
    megabyte: MB,
    megabytes: MB,
    gigabyte: GB,
    gigabytes: GB,
    terabyte: TB,
    terabytes: TB,
    meg: MB,
    megs: MB,
    gig: GB,
    gigs: GB
};

/** Count multipliers by lower-case spelling ("7B" parameters, "1.2 billion"). */
export const COUNT_MULTIPLIER: Readonly<Record<string, number>> = {
    k: 1e3,
    thousand: 1e3,
    m: 1e6,
    million: 1e6,
    b: 1e9,
    bn: 1e9,
    billion: 1e9,
    t: 1e12,
    trillion: 1e12
};

/** Bytes for a value in a byte unit (any spelling in BYTES_PER_UNIT); undefined for an unknown unit. */
export function bytesOf(value: number, unit: string): number | undefined {
    const multiplier = BYTES_PER_UNIT[unit.toLowerCase()];
    return multiplier === undefined ? undefined : value * multiplier;
}

/** Whether a byte unit is binary (KiB, MiB, GiB, TiB). */
export function isBinaryByteUnit(unit: string): boolean {
    return /^[kmgt]ib$/i.test(unit);
}

/** Human-readable byte counts, in both decimal (GB) and binary (GiB) units, because claims mix them. */
export function formatBytes(bytes: number, unit: "GB" | "GiB" | "auto" = "auto"): string {
    if (unit === "GB") return `${(bytes / GB).toFixed(2)} GB`;
    if (unit === "GiB") return `${(bytes / GiB).toFixed(2)} GiB`;
    const units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let value = bytes;
    let index = 0;
    while (value >= 1024 && index < units.length - 1) {
        value /= 1024;
        index++;
    }
    return index === 0 ? `${bytes} B` : `${value.toFixed(2)} ${units[index]}`;
}

export function formatCount(count: number): string {
    if (count >= 1e9) return `${(count / 1e9).toFixed(2)}B`;
    if (count >= 1e6) return `${(count / 1e6).toFixed(2)}M`;
    if (count >= 1e3) return `${(count / 1e3).toFixed(2)}K`;
    return String(count);
}

export function formatPercent(fraction: number, digits = 1): string {
    return `${(fraction * 100).toFixed(digits)}%`;
}

/** A whole number with thousands separators ("1,185,376"). */
export function formatInteger(value: number): string {
    return Math.round(value).toLocaleString("en-US");
}

/** A count in billions as a model name writes it: "8B", "0.6B" → "600M". */
export function formatBillions(billions: number): string {
    if (billions >= 1) return `${billions}B`;
    return `${Number((billions * 1000).toPrecision(3))}M`;
}

/** Decimal units, as model hubs publish sizes: "2.50 GB" or "531 MB". */
export function formatDecimalBytes(bytes: number): string {
    return bytes >= GB ? formatBytes(bytes, "GB") : `${Math.round(bytes / MB)} MB`;
}
