/**
 * The placeholders an offline evaluation writes in place of values it never copies: a secret, and a
 * value that only Azure knows once the resource exists. The evaluation (`tools/evaluate.ts`) writes
 * them into resource inputs and stack outputs; the plan, the role diff, the diagram and the
 * guardrails read them back. Plain strings, so that the policy pack loads this module as it is.
 */

/** Stands in for a value that is secret, wherever a plain copy of inputs or outputs is made. */
export const secretMarker = "[secret]";

/** Stands in for a value that only Azure knows, once the resource exists. */
export const unknownMarker = "[known after apply]";
