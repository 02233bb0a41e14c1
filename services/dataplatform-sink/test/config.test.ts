import { describe, expect, it } from '@jest/globals';
import { loadConfig } from '../src/config';

describe('loadConfig', () => {
  it('when nothing is set, then the group is dataplatform-sink and failed batches back off from 300 ms up to 30 s', () => {
    const config = loadConfig({});

    expect(config).toMatchObject({
      PORT: 8083,
      DATABASE_SCHEMA: 'dataplatform_sink',
      KAFKA_GROUP_ID: 'dataplatform-sink',
      SINK_STORE_BATCH_SIZE: 500,
      SINK_RETRY_INITIAL_DELAY_MS: 300,
      SINK_RETRY_MAX_DELAY_MS: 30_000,
    });
  });

  it('when the first retry pause exceeds the ceiling, then it refuses to start, naming the variable', () => {
    const load = () => loadConfig({ SINK_RETRY_INITIAL_DELAY_MS: '5000', SINK_RETRY_MAX_DELAY_MS: '1000' });

    expect(load).toThrow(/SINK_RETRY_INITIAL_DELAY_MS: must not exceed SINK_RETRY_MAX_DELAY_MS/);
  });

  it('when the group id is not a valid Kafka group name, then it refuses to start, naming the variable', () => {
    expect(() => loadConfig({ KAFKA_GROUP_ID: 'data platform' })).toThrow(/KAFKA_GROUP_ID/);
  });
});
