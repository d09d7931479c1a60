/**
 * A body's ENVELOPE and BODYSTRUCTURE as FETCH writes them (migration 10):
 * written once when the body is stored, by the same code that writes a
 * FETCH response (lib/protocol/fetch_response.ts), and copied into FETCH
 * responses from then on (fetch.ts reads them for the session's form).
 */
import type { Transaction } from "kysely";
import type { BodyStructure, Envelope } from "../../mime/types.ts";
import { WIRE_VERSION, type WireForms, wireForms } from "../../protocol/fetch_response.ts";
import type { BodyWireTable, Db } from "./schema.ts";

export { WIRE_VERSION };
export type { WireForms };

/** The forms of a parsed message, for insertWire() (computed before the transaction). */
export function wireOf(envelope: Envelope, body: BodyStructure): WireForms {
  return wireForms(envelope, body);
}

/** The `body_wire` row of body `bodyId`, for this WIRE_VERSION. */
export function wireRow(bodyId: number, wire: WireForms): BodyWireTable {
  return {
    body_id: bodyId,
    version: WIRE_VERSION,
    envelope: wire.envelope,
    body_structure: wire.bodyStructure,
    envelope_ascii: wire.envelopeAscii,
    body_structure_ascii: wire.bodyStructureAscii,
  };
}

export async function insertWire(
  trx: Transaction<Db>,
  bodyId: number,
  wire: WireForms,
): Promise<void> {
  await trx.insertInto("body_wire").values(wireRow(bodyId, wire)).execute();
}
