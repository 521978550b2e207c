import { Registry } from "../util/registry.js";
import { adversarialProbe } from "./adversarial-probe.js";
import { baseline } from "./baseline.js";
import { discriminateThenFinetune } from "./discriminate-then-finetune.js";
import { earlyStopping } from "./early-stopping.js";
import { gradDiff } from "./grad-diff.js";
import { gradientAscent } from "./gradient-ascent.js";
import { gradientRouting } from "./gradient-routing.js";
import { interpPenalty } from "./interp-penalty.js";
import { leace } from "./leace.js";
import { ntl } from "./ntl.js";
import { randomLabels } from "./random-labels.js";
import { rmu } from "./rmu.js";
import { tamperResistance } from "./tamper-resistance.js";
import { trainingSetup } from "./training-setup.js";
import type { Technique } from "./types.js";
import { uniformLabels } from "./uniform-labels.js";

export type { Sampler, StepMetrics, Technique, TrainContext } from "./types.js";

/** All techniques, by name. */
export const techniques = new Registry<Technique>("technique");

techniques.register(baseline);
techniques.register(randomLabels);
techniques.register(uniformLabels);
techniques.register(adversarialProbe);
techniques.register(discriminateThenFinetune);
techniques.register(interpPenalty);
techniques.register(earlyStopping);
techniques.register(trainingSetup);
techniques.register(gradientAscent);
techniques.register(gradDiff);
techniques.register(tamperResistance);
techniques.register(ntl);
techniques.register(rmu);
techniques.register(leace);
techniques.register(gradientRouting);
