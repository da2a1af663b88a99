import { attrInts, attrString, ints } from '../ir/attrs.js';
import { padParams } from '../ops/Pad.js';
import { withInputs } from './channels.js';
import { rulePass, type Rule } from './rewrite.js';

/**
 * Pad (constant mode, value 0, spatial axes only, no negative pads) followed by a Conv becomes the
 * Conv's own `pads`: Conv pads with zeros, so the result is the same.
 */
const fusePadConv: Rule = {
  name: 'fuse-pad-into-conv',
  roots: ['Conv'],
  match(conv, cx) {
    const pad = cx.soleProducer(conv, 0);
    if (pad?.opType !== 'Pad') return undefined;
    const auto = attrString(conv, 'auto_pad', 'NOTSET');
    const rank = cx.rank(pad.inputs[0]!) ?? cx.rank(conv.inputs[1]!);
    if ((auto !== 'NOTSET' && auto !== 'VALID') || rank === undefined) return undefined;
    const p = padParams(pad, (n) => cx.constant(n), rank);
    if (!p || p.mode !== 'constant' || p.value !== 0 || p.pads.length !== 2 * rank) return undefined;
    const [nb, cb, ...beginSpatial] = p.pads.slice(0, rank);
    const [ne, ce, ...endSpatial] = p.pads.slice(rank);
    if (nb || cb || ne || ce || p.pads.some((v) => v < 0)) return undefined;
    const n = rank - 2;
    const own =
      auto === 'VALID'
        ? new Array<number>(2 * n).fill(0)
        : (attrInts(conv, 'pads') ?? new Array<number>(2 * n).fill(0));
    const pads = [...beginSpatial, ...endSpatial].map((v, i) => v + own[i]!);
    const { auto_pad: _auto, ...rest } = conv.attrs;
    const attrs = { ...rest, pads: ints(pads) };
    return {
      remove: [pad, conv],
      add: [withInputs(conv, [pad.inputs[0]!, ...conv.inputs.slice(1)], conv.outputs, attrs)],
    };
  },
};

export const fusePadConvRules: Rule[] = [fusePadConv];

export const fusePadIntoConv = rulePass(fusePadConvRules);
