/**
 * The roofline estimator: what a model can do on hardware llmproof has not measured, and what it
 * should do on this machine once calibrated. Pure parts (roofline, estimate, verdicts, render) take
 * facts and return numbers; model.ts and calibration.ts do the I/O.
 */
export {
    estimateOnTarget,
    estimateOnThisMachine,
    modelMemoryNeed,
    type EstimateResult,
    type MemberEstimate
} from "./estimate.js";
export {judgeFit, judgeSpeedClaim, judgeSpeedupRatio} from "./verdicts.js";
export type {FitJudgement, SpeedJudgement, SpeedupJudgement, EstimateVerdict} from "./verdicts.js";
export {renderFitNote, renderSpeedNote, renderSpeedupNote} from "./render.js";
export {estimateModelFromCatalog, estimateModelFromGguf, resolveEstimateModel, type EstimateModel} from "./model.js";
export {calibrate, calibrationMismatch, calibrationPath, loadCalibration, type Calibration} from "./calibration.js";
