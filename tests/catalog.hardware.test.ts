import {describe, expect, it} from "vitest";
import {readFileSync} from "node:fs";
import {parse, stringify} from "yaml";
import {
    defaultHardwarePath,
    findHardware,
    findHardwareInText,
    loadHardware,
    parseHardware,
    peakCompute,
    requireHardware
} from "../src/catalog/hardware.js";
import {UserError} from "../src/util/errors.js";

const shippedText = readFileSync(defaultHardwarePath, "utf8");

function errorOf(action: () => unknown): string {
    try {
        action();
    } catch (error) {
        expect(error).toBeInstanceOf(UserError);
        return (error as Error).message;
    }
    throw new Error("expected a UserError");
}

/** The shipped file as data, with one change made by `edit`. */
function edited(
    edit: (
        data: {devices: Record<string, unknown>[]; classes: Record<string, unknown>[]} & Record<string, unknown>
    ) => void
) {
    const data = parse(shippedText);
    edit(data);
    return stringify(data);
}

describe("the shipped hardware.yaml", async () => {
    const hardware = await loadHardware({path: defaultHardwarePath});

    it("validates, with a source behind every figure", () => {
        expect(hardware.devices.length).toBeGreaterThan(30);
        for (const device of hardware.devices) {
            expect(device.memoryGiB.source.length).toBeGreaterThan(8);
            expect(device.bandwidthGBps.source.length).toBeGreaterThan(8);
            if (device.compute != null) expect(device.compute.source.length).toBeGreaterThan(8);
            else expect(device.computeNote).toBeTruthy();
        }
    });

    it("covers the devices the issue asks for", () => {
        const ids = new Set(hardware.devices.map((device) => device.id));
        for (const id of ["rtx-3060-12gb", "rtx-4060-ti-16gb", "rtx-3090", "rtx-4090", "rtx-4060", "rtx-3070"])
            expect(ids.has(id)).toBe(true);
        for (const chip of ["m1", "m2", "m3", "m4"])
            for (const tier of ["", "-pro", "-max"]) expect(ids.has(`apple-${chip}${tier}`)).toBe(true);
        for (const id of ["desktop-ddr4-3200", "desktop-ddr5-5600", "laptop-ddr4-3200", "laptop-ddr5-5600"])
            expect(ids.has(id)).toBe(true);
        expect(ids.has("raspberry-pi-4") && ids.has("raspberry-pi-5")).toBe(true);
        expect(hardware.devices.filter((device) => device.kind === "phone").length).toBeGreaterThanOrEqual(2);
        // Desktop GPUs at every memory size newsletters name.
        const gpuSizes = new Set(hardware.devices.filter((d) => d.kind === "gpu").flatMap((d) => d.memoryGiB.value));
        for (const size of [8, 12, 16, 24]) expect(gpuSizes.has(size)).toBe(true);
    });

    it("takes the highest published compute figure as the peak", () => {
        const rtx4090 = hardware.devices.find((device) => device.id === "rtx-4090")!;
        expect(peakCompute(rtx4090)).toMatchObject({figure: "int8Tops", opsPerSecond: 660.6e12});
        const m3 = hardware.devices.find((device) => device.id === "apple-m3")!;
        expect(peakCompute(m3)).toBeNull();
    });
});

describe("hardware.yaml validation", () => {
    it("refuses a bad figure with a sentence naming the entry and the field", () => {
        const negative = edited((data) => {
            (data.devices.find((d) => d.id === "rtx-4090")!.bandwidthGBps as {value: number}).value = -1008;
        });
        expect(errorOf(() => parseHardware(negative))).toMatch(
            /^hardware\.yaml: device "rtx-4090" → bandwidthGBps\.value: the bandwidth must be a positive number of GB\/s\.$/
        );

        const megabytes = edited((data) => {
            (data.devices.find((d) => d.id === "rtx-3090")!.bandwidthGBps as {value: number}).value = 936_000;
        });
        expect(errorOf(() => parseHardware(megabytes))).toContain(
            'device "rtx-3090" → bandwidthGBps.value: a bandwidth above'
        );

        const noSource = edited((data) => {
            delete (data.devices.find((d) => d.id === "apple-m2-max")!.memoryGiB as {source?: string}).source;
        });
        expect(errorOf(() => parseHardware(noSource))).toContain('device "apple-m2-max" → memoryGiB.source');

        const emptyCompute = edited((data) => {
            data.devices.find((d) => d.id === "raspberry-pi-5")!.compute = {source: "the product brief, page 2"};
        });
        expect(errorOf(() => parseHardware(emptyCompute))).toContain(
            'device "raspberry-pi-5" → compute: give at least one of fp16Tflops, fp32Tflops, int8Tops'
        );

        const nullComputeWithoutNote = edited((data) => {
            const device = data.devices.find((d) => d.id === "rtx-4060")!;
            device.compute = null;
        });
        expect(errorOf(() => parseHardware(nullComputeWithoutNote))).toContain(
            'device "rtx-4060" → computeNote: is required when compute is null'
        );
    });

    it("refuses a class member that is not a device, and an alias two entries share", () => {
        const unknownMember = edited((data) => {
            (data.classes.find((c) => c.id === "phone")!.members as string[]).push("iphone-99");
        });
        expect(errorOf(() => parseHardware(unknownMember))).toContain(
            'class "phone" → members[3]: names "iphone-99", which is not a device id'
        );
        const shared = edited((data) => {
            (data.devices.find((d) => d.id === "rtx-3090")!.aliases as string[]).push("the 4090");
        });
        expect(errorOf(() => parseHardware(shared))).toBe(
            'hardware.yaml: "rtx-4090" → aliases: "4090" also names "rtx-3090".'
        );
    });

    it("names the line of a YAML syntax error", () => {
        expect(errorOf(() => parseHardware("version: 1\ndevices: [\n", "hw.yaml"))).toMatch(
            /^hw\.yaml: invalid YAML at line \d+/
        );
    });
});

describe("finding hardware the way people write it", async () => {
    const hardware = await loadHardware({path: defaultHardwarePath});
    const cases: [string, string, string[]][] = [
        ["a 4090", "rtx-4090", ["rtx-4090:24"]],
        ["RTX 4090", "rtx-4090", ["rtx-4090:24"]],
        ["GeForce RTX-4090 24GB", "rtx-4090", ["rtx-4090:24"]],
        ["an RTX 3060", "rtx-3060-12gb", ["rtx-3060-12gb:12"]],
        ["4060 Ti", "rtx-4060-ti-16gb", ["rtx-4060-ti-16gb:16"]],
        ["M2 Max 64GB", "apple-m2-max", ["apple-m2-max:64"]],
        ["M2 Max with 96 GB", "apple-m2-max", ["apple-m2-max:96"]],
        ["Pi 5", "raspberry-pi-5", ["raspberry-pi-5:2/4/8/16"]],
        ["8GB Raspberry Pi", "raspberry-pi", ["raspberry-pi-4:8", "raspberry-pi-5:8"]],
        ["a 24 GB GPU", "gpu-24gb", ["rx-7900-xtx:24", "rtx-3090:24", "rtx-4090:24"]],
        ["12GB card", "gpu-12gb", ["rtx-3060-12gb:12", "rtx-4070:12"]],
        [
            "16GB Mac",
            "mac",
            ["apple-m1:16", "apple-m1-pro:16", "apple-m2:16", "apple-m2-pro:16", "apple-m3:16", "apple-m4:16"]
        ],
        ["Raspberry Pi", "raspberry-pi", ["raspberry-pi-4:1/2/4/8", "raspberry-pi-5:2/4/8/16"]],
        ["smartphone", "phone", ["galaxy-s24:8", "galaxy-s24-ultra:12", "galaxy-s25-ultra:12/16"]]
    ];
    it.each(cases)("%s → %s", (text, id, members) => {
        const target = findHardware(hardware, text)!;
        expect(target.id).toBe(id);
        expect(target.members.map((member) => `${member.device.id}:${member.memoryGiB.join("/")}`)).toEqual(members);
    });

    it("resolves the classes claims use to explicit member lists", () => {
        for (const [text, id] of [
            ["consumer GPU", "consumer-gpu"],
            ["a gaming GPU", "consumer-gpu"],
            ["laptop", "laptop"],
            ["your phone", "phone"],
            ["edge devices", "edge-device"],
            ["consumer hardware", "consumer-hardware"],
            ["Macs", "mac"],
            ["Apple Silicon", "mac"]
        ] as const) {
            const target = findHardware(hardware, text)!;
            expect(target.kind, text).toBe("class");
            expect(target.id, text).toBe(id);
            expect(target.note, text).toBeTruthy();
            expect(target.members.length, text).toBeGreaterThan(1);
        }
        const gpus = findHardware(hardware, "gaming GPU")!;
        expect(Math.min(...gpus.members.flatMap((m) => m.memoryGiB))).toBe(8);
        expect(Math.max(...gpus.members.flatMap((m) => m.memoryGiB))).toBe(32);
    });

    it("says why a phrase names nothing", () => {
        expect(findHardware(hardware, "RTX 4090 16GB")).toBeUndefined();
        expect(errorOf(() => requireHardware(hardware, "RTX 4090 16GB"))).toBe(
            "No NVIDIA GeForce RTX 4090 profile has 16 GB of memory; hardware.yaml lists 24 GB."
        );
        expect(errorOf(() => requireHardware(hardware, "RTX 4091"))).toMatch(
            /^No hardware profile is called "RTX 4091"\./
        );
        expect(errorOf(() => requireHardware(hardware, "toaster"))).toContain("llmproof estimate --list-hardware");
    });

    it("finds hardware named in running text", () => {
        const text =
            "It reaches 45 tokens per second on a gaming GPU, runs on a Raspberry Pi 5, fits any 24GB card and an M2 Max with 64GB.";
        const mentions = findHardwareInText(hardware, text);
        expect(mentions.map((mention) => [mention.text, mention.target.id])).toEqual([
            ["gaming GPU", "consumer-gpu"],
            ["Raspberry Pi 5", "raspberry-pi-5"],
            ["24GB card", "gpu-24gb"],
            ["M2 Max with 64GB", "apple-m2-max"]
        ]);
        for (const mention of mentions) expect(text.slice(mention.start, mention.end)).toBe(mention.text);
        expect(findHardwareInText(hardware, "The M2 chip of the ship")).toHaveLength(1);
        expect(findHardwareInText(hardware, "Nothing here runs on silicon.")).toEqual([]);
    });
});
