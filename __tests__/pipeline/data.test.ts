import { describe, expect, it } from 'vitest';
import { readOnnxFile } from '../../src/formats/onnx/import.js';
import { parseOptions } from '../../src/options.js';
import { keepFirst, planData } from '../../src/pipeline/data.js';

describe('planData', () => {
  it('its samples say their one shape (the written files’), so that sessions can be opened at it', async () => {
    const model = readOnnxFile('examples/mobilenet_v1_bn.onnx');
    const input = model.graph.runtimeInputs()[0]!.name;
    const fromFiles = await planData(
      model,
      parseOptions({
        input: 'examples/mobilenet_v1_bn.onnx',
        output: '-',
        calib_data: 'examples/mobilenet_v1_bn/samples',
      }),
    );
    const synthetic = await planData(
      model,
      parseOptions({ input: 'examples/mobilenet_v1_bn.onnx', output: '-', calib_samples: '2' }),
    );
    for (const plan of [fromFiles, synthetic]) {
      const shape = plan.inputShapes.get(input);
      for (const source of [plan.calibration, plan.evaluation, keepFirst(plan.evaluation, 1)]) {
        expect(source.shapes?.get(input)).toEqual(shape);
        for await (const feeds of source.samples()) expect(feeds[input]!.dims).toEqual(shape);
      }
    }
  });
});
