import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../examples/quickstart';

describe('examples/quickstart', () => {
  it('writes telemetry into otel-bridge.duckdb in the working directory and prints what was stored', async () => {
    const directory = mkdtempSync(join(tmpdir(), 'otel-bridge-quickstart-'));
    const previous = process.cwd();
    process.chdir(directory);
    try {
      const printed = await main(() => undefined);
      expect(existsSync(join(directory, 'otel-bridge.duckdb'))).toBe(true);
      expect(printed[0]).toMatch(/^trace [0-9a-f]{32}$/);
      const types = printed.slice(1, 4).map((line) => line.trim().split(/\s+/)[0]);
      // The JS SDK stamps span starts in whole milliseconds, so the two children may tie; either order is right.
      expect(types[0]).toBe('agent_run');
      expect(types.slice(1).sort()).toEqual(['model_generation', 'tool_call']);
      expect(printed).toContainEqual(expect.stringMatching(/model=gpt-4o-mini tokens=49/));
      expect(printed).toContainEqual(expect.stringMatching(/error="weather API timed out"/));
      expect(printed).toContain('log   warn: tool failed, answering from memory');
      expect(printed).toContain('score answer-relevance = 0.6 (no live weather data)');
      expect(printed).toContain('feedback thumbs = -1 from user-1: wrong forecast');
      expect(printed).toContain('metric gen_ai.tokens = 49');
    } finally {
      process.chdir(previous);
      rmSync(directory, { recursive: true, force: true });
    }
  });
});
