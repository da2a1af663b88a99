import type { Attribute, Node } from './graph.js';
import type { Tensor } from './tensor.js';

/** Typed attribute reads with defaults, so op code never switches on attribute kinds itself. */
export function attrInt(node: Node, name: string, fallback: number): number;
export function attrInt(node: Node, name: string): number | undefined;
export function attrInt(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  return a?.kind === 'int' ? a.value : fallback;
}

export function attrFloat(node: Node, name: string, fallback: number): number;
export function attrFloat(node: Node, name: string): number | undefined;
export function attrFloat(node: Node, name: string, fallback?: number): number | undefined {
  const a = node.attrs[name];
  return a?.kind === 'float' ? a.value : a?.kind === 'int' ? a.value : fallback;
}

export function attrString(node: Node, name: string, fallback: string): string;
export function attrString(node: Node, name: string): string | undefined;
export function attrString(node: Node, name: string, fallback?: string): string | undefined {
  const a = node.attrs[name];
  return a?.kind === 'string' ? a.value : fallback;
}

export function attrInts(node: Node, name: string, fallback: number[]): number[];
export function attrInts(node: Node, name: string): number[] | undefined;
export function attrInts(node: Node, name: string, fallback?: number[]): number[] | undefined {
  const a = node.attrs[name];
  return a?.kind === 'ints' ? a.value : fallback;
}

export function attrFloats(node: Node, name: string): number[] | undefined {
  const a = node.attrs[name];
  return a?.kind === 'floats' ? a.value : undefined;
}

export function attrTensor(node: Node, name: string): Tensor | undefined {
  const a = node.attrs[name];
  return a?.kind === 'tensor' ? a.value : undefined;
}

export const int = (value: number): Attribute => ({ kind: 'int', value });
export const ints = (value: number[]): Attribute => ({ kind: 'ints', value });
export const float = (value: number): Attribute => ({ kind: 'float', value });
export const floats = (value: number[]): Attribute => ({ kind: 'floats', value });
export const str = (value: string): Attribute => ({ kind: 'string', value });
export const tensorAttr = (value: Tensor): Attribute => ({ kind: 'tensor', value });
