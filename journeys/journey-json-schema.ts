import { documentJsonSchema, type JsonSchema } from '../rules/rule-json-schema.ts';
import { journeyDefinitionSchema } from './journey-definition.ts';

/** A journey definition's JSON Schema, from the zod schema that validates it; its trigger is a trigger rule's conditions. */
export function journeyJsonSchema(): JsonSchema {
  return documentJsonSchema(journeyDefinitionSchema, 'response_event', [journeyDefinitionSchema.shape.trigger]);
}
