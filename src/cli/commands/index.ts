import type {Command} from "commander";
import {registerInspectCommand} from "./inspect.js";
import {registerSynthCommand} from "./synth.js";
import {registerBenchCommand} from "./bench.js";
import {registerModelsCommand} from "./models.js";
import {registerPullCommand} from "./pull.js";
import {registerCheckCommand} from "./check.js";
import {registerQualityCommand} from "./quality.js";
import {registerEngineCommand} from "./engine.js";
import {registerEstimateCommand} from "./estimate.js";
import {registerCompareCommand} from "./compare.js";
import {registerLadderCommand} from "./ladder.js";
import {registerReportCommand} from "./report.js";

/**
 * One file per sub-command. Each registrar only declares arguments and options; its action
 * imports the logic with `await import(...)` so that start-up stays instant.
 */
export type CommandRegistrar = (program: Command) => void;

export const commandRegistrars: CommandRegistrar[] = [
    registerInspectCommand,
    registerSynthCommand,
    registerBenchCommand,
    registerModelsCommand,
    registerPullCommand,
    registerCheckCommand,
    registerQualityCommand,
    registerEngineCommand,
    registerEstimateCommand,
    registerCompareCommand,
    registerLadderCommand,
    registerReportCommand
];
