import type {Catalog} from "../catalog/schema.js";
import type {GatheredEvidence} from "./evidence.js";
import {kindModule} from "./kinds/index.js";
import type {Estimator} from "./kinds/types.js";
import {renderVerdict} from "./render.js";
import type {Claim, ClaimLink, Verdict} from "./schema.js";

/** Judge one claim with its kind's judge, then render the finding (./render.ts). */
export function judgeClaim(input: {
    claim: Claim;
    link: ClaimLink;
    gathered: GatheredEvidence;
    catalog: Catalog;
    estimator?: Estimator | null;
}): Verdict {
    const module = kindModule(input.claim.kind);
    const result = module.judge(input as never);
    return renderVerdict(result, input.claim, input.link);
}
