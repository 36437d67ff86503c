import { Connection } from '@temporalio/client';
import proto from '@temporalio/proto';
import { npsloopSearchAttributes } from '../journeys/search-attributes.ts';

/**
 * Adds npsloop's search attributes that the namespace lacks. The dev server registers its
 * `--search-attribute`s only when it creates the namespace, so the SQLite file an earlier npsloop
 * left lacks the attributes added since (AccountExternalId, AccountName), and journeys could not
 * start with them.
 */
export async function registerMissingSearchAttributes(address: string, namespace: string): Promise<void> {
  const connection = await Connection.connect({ address });
  try {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
    const missing = npsloopSearchAttributes.filter((key) => !(key.name in customAttributes));
    if (missing.length === 0) return;
    const { IndexedValueType } = proto.temporal.api.enums.v1;
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((key) => [key.name, IndexedValueType[`INDEXED_VALUE_TYPE_${key.type}`]])),
    });
  } finally {
    await connection.close();
  }
}
