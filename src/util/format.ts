/** Human-readable byte counts, in both decimal (GB) and binary (GiB) units, because claims mix them. */
export function formatBytes(bytes: number, unit: "GB" | "GiB" | "auto" = "auto"): string {
    if (unit === "GB") return `${(bytes / 1e9).toFixed(2)} GB`;
    if (unit === "GiB") return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
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
