import {z} from "zod";

/**
 * Hardware profiles (`hardware.yaml`): the devices and device classes that newsletters name, with
 * the three figures a roofline needs (memory capacity, memory bandwidth, peak compute), each with
 * its public source. Classes are explicit member lists, so every verdict can say what it covered.
 */

const source = z.string().min(8, {error: "expected a source (a vendor page, document or the arithmetic behind it)"});
const slug = z
    .string()
    .regex(/^[a-z0-9][a-z0-9.-]*$/, {error: "expected a lower-case slug (letters, digits, dots, hyphens)"});

export const DeviceKindSchema = z.enum([
    /** A discrete GPU: the model runs from VRAM. */
    "gpu",
    /** Apple silicon: CPU and GPU share unified memory. */
    "apple",
    /** A PC without a usable GPU: the model runs on the CPU from system RAM. */
    "cpu",
    /** A single-board computer (Raspberry Pi). */
    "sbc",
    "phone"
]);
export type DeviceKind = z.infer<typeof DeviceKindSchema>;

export const DeviceFormSchema = z.enum(["desktop", "laptop", "sbc", "phone"]);

/** Memory sizes as sold, in GiB (vendors write "24 GB" of VRAM or "16GB unified memory" for binary GiB). */
export const MemoryFigureSchema = z.strictObject({
    value: z
        .array(z.number().positive({error: "a memory size must be a positive number of GiB"}).max(4096))
        .min(1, {error: "list at least one memory size"}),
    source
});

export const BandwidthFigureSchema = z.strictObject({
    /** Peak memory bandwidth, decimal GB/s. */
    value: z.number().positive({error: "the bandwidth must be a positive number of GB/s"}).max(20_000, {
        error: "a bandwidth above 20,000 GB/s is not a real device (is it in MB/s?)"
    }),
    source
});

export const ComputeFigureSchema = z
    .strictObject({
        /** Dense FP16 throughput (tensor cores with FP16 accumulate on NVIDIA), TFLOP/s. */
        fp16Tflops: z.number().positive().max(10_000).optional(),
        /** Dense FP32 throughput, TFLOP/s. */
        fp32Tflops: z.number().positive().max(10_000).optional(),
        /** Dense int8 throughput (tensor cores, or SIMD dot products on CPUs), TOPS. */
        int8Tops: z.number().positive().max(20_000).optional(),
        source
    })
    .refine((compute) => compute.fp16Tflops != null || compute.fp32Tflops != null || compute.int8Tops != null, {
        error: "give at least one of fp16Tflops, fp32Tflops, int8Tops (or compute: null)"
    });

export const HardwareDeviceSchema = z
    .strictObject({
        id: slug,
        name: z.string().min(1),
        kind: DeviceKindSchema,
        form: DeviceFormSchema,
        /** Other ways people write it; matching ignores case, spaces, hyphens and dots. */
        aliases: z.array(z.string().min(1)).default([]),
        memoryGiB: MemoryFigureSchema,
        bandwidthGBps: BandwidthFigureSchema,
        /** null when no public figure exists: the prompt-processing bound is then unknown. */
        compute: ComputeFigureSchema.nullable(),
        computeNote: z.string().min(1).optional()
    })
    .superRefine((device, context) => {
        if (device.compute == null && device.computeNote == null)
            context.addIssue({
                code: "custom",
                path: ["computeNote"],
                message: "is required when compute is null (say why no figure is given)"
            });
    });

export const HardwareClassSchema = z.strictObject({
    id: slug,
    /** How the output names the class ("consumer GPU"). */
    name: z.string().min(1),
    aliases: z.array(z.string().min(1)).default([]),
    members: z.array(slug).min(1, {error: "a class needs at least one member"}),
    /** One sentence that says what the class covers; printed with every verdict that uses it. */
    note: z.string().min(1)
});

const FractionSchema = z.number().gt(0).max(1);

export const EfficiencyRangeSchema = z
    .strictObject({low: FractionSchema, high: FractionSchema})
    .refine((range) => range.low <= range.high, {error: "low must not be above high"});

const UsableFractionSchema = z.strictObject({value: FractionSchema, source});

export const HardwareAssumptionsSchema = z.strictObject({
    typicalEfficiency: z.strictObject({tg: EfficiencyRangeSchema, pp: EfficiencyRangeSchema, source}),
    usableMemoryFraction: z.strictObject({
        gpu: UsableFractionSchema,
        apple: UsableFractionSchema,
        cpu: UsableFractionSchema,
        sbc: UsableFractionSchema,
        phone: UsableFractionSchema
    }),
    offloadBandwidthGBps: z.strictObject({
        host: z.strictObject({value: z.number().positive(), source}),
        storage: z.strictObject({value: z.number().positive(), source})
    }),
    runtimeOverheadGiB: z.strictObject({value: z.number().nonnegative().max(64), source})
});

export const HardwareFileSchema = z
    .strictObject({
        version: z.literal(1, {error: "expected version: 1"}),
        assumptions: HardwareAssumptionsSchema,
        devices: z.array(HardwareDeviceSchema).min(1),
        classes: z.array(HardwareClassSchema).default([])
    })
    .superRefine((file, context) => {
        const ids = new Map<string, string>();
        file.devices.forEach((device, index) => {
            if (ids.has(device.id))
                context.addIssue({code: "custom", path: ["devices", index, "id"], message: "duplicates another id"});
            ids.set(device.id, "device");
        });
        file.classes.forEach((hardwareClass, index) => {
            if (ids.has(hardwareClass.id))
                context.addIssue({code: "custom", path: ["classes", index, "id"], message: "duplicates another id"});
            ids.set(hardwareClass.id, "class");
            hardwareClass.members.forEach((member, memberIndex) => {
                if (ids.get(member) !== "device")
                    context.addIssue({
                        code: "custom",
                        path: ["classes", index, "members", memberIndex],
                        message: `names "${member}", which is not a device id`
                    });
            });
        });
    });

export type MemoryFigure = z.infer<typeof MemoryFigureSchema>;
export type BandwidthFigure = z.infer<typeof BandwidthFigureSchema>;
export type ComputeFigure = z.infer<typeof ComputeFigureSchema>;
export type HardwareDevice = z.infer<typeof HardwareDeviceSchema>;
export type HardwareClass = z.infer<typeof HardwareClassSchema>;
export type EfficiencyRange = z.infer<typeof EfficiencyRangeSchema>;
export type HardwareAssumptions = z.infer<typeof HardwareAssumptionsSchema>;
export type HardwareFile = z.infer<typeof HardwareFileSchema>;
export type HardwareFileInput = z.input<typeof HardwareFileSchema>;
