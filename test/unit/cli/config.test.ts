import { OPTIONS, describeStore, helpText, parseSettings, storeFrom } from '../../../src/cli/config';
import { ConfigurationError } from '../../../src/errors';
import { PIPELINE_DEFAULTS } from '../../../src/pipeline/store-pipeline';
import { CLICKHOUSE_DEFAULTS, ClickHouseStore } from '../../../src/storage/clickhouse/store';
import { DUCKDB_DEFAULTS, DuckDBStore } from '../../../src/storage/duckdb/store';
import { STORE_FACTORIES } from '../../../src/storage/registry';

describe('the command line, built from the store registry', () => {
  it('has a flag, an environment variable and a help line for every option of every registered store', () => {
    const help = helpText();
    for (const factory of STORE_FACTORIES) {
      expect(help).toContain(factory.kind);
      for (const [name, option] of Object.entries(factory.options)) {
        expect(OPTIONS).toHaveProperty(name);
        expect(help).toMatch(
          new RegExp(`--${name} +${option.help.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.*\\[${option.env}\\]`),
        );
      }
    }
  });

  it('shows each default from where it is defined', () => {
    const help = helpText();
    expect(help).toContain(`(default ${JSON.stringify(DUCKDB_DEFAULTS.path)})`);
    expect(help).toContain(`(default ${JSON.stringify(CLICKHOUSE_DEFAULTS.url)})`);
    expect(help).toMatch(new RegExp(`--max-batch .*\\(default ${PIPELINE_DEFAULTS.maxBatchSize}\\)`));
  });

  it('makes the store that --store names, the one a set option implies, or the default', () => {
    const duckdb = storeFrom(parseSettings([], {}));
    expect(duckdb).toBeInstanceOf(DuckDBStore);
    expect((duckdb as DuckDBStore).path).toBe(DUCKDB_DEFAULTS.path);
    expect(describeStore(parseSettings([], {}))).toBe(`duckdb ${DUCKDB_DEFAULTS.path}`);

    const implied = parseSettings([], { CLICKHOUSE_URL: 'http://clickhouse:8123' });
    expect(storeFrom(implied)).toBeInstanceOf(ClickHouseStore);
    expect(describeStore(implied)).toBe('clickhouse http://clickhouse:8123');

    const named = parseSettings(['--store', 'clickhouse', '--clickhouse-database', 'obs'], {});
    expect((storeFrom(named) as ClickHouseStore).schema.database).toBe('obs');
    expect(describeStore(named)).toBe(`clickhouse ${CLICKHOUSE_DEFAULTS.url}`);
  });

  it('names every registered kind when --store names none of them, and the flag of a bad value', () => {
    const kinds = STORE_FACTORIES.map((factory) => factory.kind);
    expect(() => storeFrom(parseSettings(['--store', 'postgres'], {}))).toThrow(ConfigurationError);
    expect(() => storeFrom(parseSettings(['--store', 'postgres'], {}))).toThrow(
      `--store must be ${kinds.slice(0, -1).join(', ')} or ${kinds.at(-1)}, got "postgres"`,
    );
    expect(() => storeFrom(parseSettings(['--store', 'clickhouse', '--retention-days', '0'], {}))).toThrow(
      '--retention-days must be a whole number >= 1, got "0"',
    );
  });
});
