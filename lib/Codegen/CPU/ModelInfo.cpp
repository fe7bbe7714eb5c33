//===- ModelInfo.cpp - the interface of a compiled model ------------------===//

#include "crate/Codegen/CPU/Library.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/Support/JSON.h"

using namespace mlir;

namespace crate::codegen {

/// A batch-first float32 (or, for indices, int64) tensor type as a shape
/// with -1 for the batch.
static FailureOr<std::vector<int64_t>> batchShape(func::FuncOp entry,
                                                  Type type, StringRef what,
                                                  bool indices = false) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  Type elt = tensor ? tensor.getElementType() : Type();
  if (!tensor || !(indices ? elt.isInteger(64) : elt.isF32()) ||
      tensor.getRank() < 1)
    return entry.emitOpError() << "expects the " << what << " to be a ranked "
                               << (indices ? "i64" : "f32")
                               << " tensor, got " << type;
  std::vector<int64_t> shape(tensor.getShape().begin(),
                             tensor.getShape().end());
  for (size_t i = 1; i < shape.size(); ++i)
    if (ShapedType::isDynamic(shape[i]))
      return entry.emitOpError() << "expects the " << what
                                 << " to be static but for the batch, got "
                                 << type;
  // The batch is chosen per call: dynamic in the IR, or 1 when the entry
  // was compiled for one image at a time.
  if (!tensor.isDynamicDim(0) && shape[0] != 1)
    return entry.emitOpError()
           << "expects the " << what
           << " to have a dynamic or unit batch (first) dimension, got "
           << type;
  shape[0] = -1;
  return shape;
}

FailureOr<ModelInfo> describeEntry(func::FuncOp entry, StringRef name) {
  ModelInfo info;
  info.name = name.str();
  info.entry = entry.getSymName().str();
  auto names = entry->getAttrOfType<ArrayAttr>("crate.weights");
  size_t numWeights = names ? names.size() : 0;
  FunctionType type = entry.getFunctionType();
  if (type.getNumInputs() < numWeights + 1 || type.getNumResults() < 1)
    return entry.emitOpError() << "expects at least one input and one result "
                                  "(besides the weights), got "
                               << type.getNumInputs() - numWeights
                               << " inputs and " << type.getNumResults()
                               << " results";
  unsigned numInputs = type.getNumInputs() - numWeights;
  for (unsigned i = 0; i < numInputs; ++i) {
    ModelInfo::Input in;
    auto nameAttr = entry.getArgAttrOfType<StringAttr>(i, "crate.input");
    in.name = nameAttr ? nameAttr.str()
                       : (i == 0 ? "input" : "input_" + std::to_string(i));
    auto tensor = dyn_cast<RankedTensorType>(type.getInput(i));
    in.indices = tensor && isa<IntegerType>(tensor.getElementType());
    if (in.indices) {
      auto bound = entry.getArgAttrOfType<IntegerAttr>(i, "crate.bound");
      if (!bound || bound.getInt() <= 0)
        return entry.emitOpError()
               << "has integer input '" << in.name
               << "' without a positive crate.bound: nothing says which "
                  "values it may hold (run crate-input-bounds)";
      in.bound = bound.getInt();
    }
    FailureOr<std::vector<int64_t>> shape =
        batchShape(entry, type.getInput(i), "input '" + in.name + "'",
                   in.indices);
    if (failed(shape))
      return failure();
    in.shape = *shape;
    info.inputs.push_back(std::move(in));
  }
  for (unsigned i = 0; i < type.getNumResults(); ++i) {
    FailureOr<std::vector<int64_t>> out =
        batchShape(entry, type.getResult(i), "result");
    if (failed(out))
      return failure();
    std::string outName = "output";
    if (i > 0) {
      auto attr = entry.getResultAttrOfType<StringAttr>(i, "crate.output");
      outName = attr ? attr.str() : "output_" + std::to_string(i);
    }
    info.outputs.push_back({outName, *out});
  }
  auto input = cast<RankedTensorType>(type.getInput(0));
  info.entryBatch = input.isDynamicDim(0) ? 0 : 1;
  info.causal = entry->hasAttr("crate.causal");
  if (auto blocks = entry->getAttrOfType<ArrayAttr>("crate.profile_blocks"))
    for (Attribute block : blocks)
      if (auto blockName = dyn_cast<StringAttr>(block))
        info.profileBlocks.push_back(blockName.str());
  for (size_t i = 0; i < numWeights; ++i) {
    auto tensor = cast<RankedTensorType>(type.getInput(numInputs + i));
    ModelInfo::Weight w;
    w.shape.assign(tensor.getShape().begin(), tensor.getShape().end());
    if (auto plain = dyn_cast<StringAttr>(names[i])) {
      w.name = plain.str();
    } else {
      // A derived weight (crate-pretranspose-weights, crate-fold-ista).
      auto dict = dyn_cast<DictionaryAttr>(names[i]);
      auto name = dict ? dict.getAs<StringAttr>("name") : StringAttr();
      auto derive = dict ? dict.getAs<StringAttr>("derive") : StringAttr();
      auto from = dict ? dict.getAs<StringAttr>("from") : StringAttr();
      if (!name || !derive || !from)
        return entry.emitOpError()
               << "has weight entry " << names[i]
               << ", expected a name or {name, derive, from}";
      w.name = name.str();
      w.derive = derive.str();
      w.from = from.str();
      if (auto step = dict.getAs<FloatAttr>("step"))
        w.step = step.getValueAsDouble();
      if (auto shape = dict.getAs<DenseI64ArrayAttr>("from_shape"))
        w.fromShape.assign(shape.asArrayRef().begin(),
                           shape.asArrayRef().end());
      if (auto storage = dict.getAs<StringAttr>("storage"))
        w.storage = storage.str();
    }
    // Every weight is 32-bit words: f32, or i32 words of bf16 pairs.
    bool pairs = w.storage == "bf16_pairs";
    if (!w.storage.empty() && !pairs)
      return entry.emitOpError() << "has weight " << w.name
                                 << " with unknown storage '" << w.storage
                                 << "' (known: bf16_pairs)";
    if (pairs ? !tensor.getElementType().isInteger(32)
              : !tensor.getElementType().isF32())
      return entry.emitOpError()
             << "supports f32 weights (i32 for bf16_pairs storage) only, got "
             << tensor << " for " << w.name;
    info.weights.push_back(std::move(w));
  }
  return info;
}

std::string manifestJson(const ModelInfo &info, bool embedded) {
  llvm::json::Array weights;
  for (const ModelInfo::Weight &w : info.weights) {
    llvm::json::Object entry{{"name", w.name},
                             {"shape", llvm::json::Array(w.shape)},
                             {"offset", static_cast<int64_t>(w.offset)}};
    // Embedded weights are stored derived already; weights loaded at run
    // time are derived by the runtime at create time.
    if (!w.derive.empty() && !embedded) {
      llvm::json::Object derive{
          {"op", w.derive}, {"from", w.from}, {"step", w.step}};
      if (!w.fromShape.empty())
        derive["from_shape"] = llvm::json::Array(w.fromShape);
      if (!w.storage.empty())
        derive["storage"] = w.storage;
      entry["derive"] = std::move(derive);
    }
    weights.push_back(std::move(entry));
  }
  auto inputJson = [](const ModelInfo::Input &in) {
    llvm::json::Object o{{"shape", llvm::json::Array(in.shape)}};
    if (in.indices) {
      o["dtype"] = "i64";
      o["bound"] = in.bound;
    }
    return o;
  };
  llvm::json::Object mainInput = inputJson(info.inputs[0]);
  if (info.inputs[0].name != "input")
    mainInput["name"] = info.inputs[0].name;
  llvm::json::Array extraInputs;
  for (size_t i = 1; i < info.inputs.size(); ++i) {
    llvm::json::Object o = inputJson(info.inputs[i]);
    o["name"] = info.inputs[i].name;
    extraInputs.push_back(std::move(o));
  }
  llvm::json::Array extras;
  for (size_t i = 1; i < info.outputs.size(); ++i)
    extras.push_back(llvm::json::Object{
        {"name", info.outputs[i].name},
        {"shape", llvm::json::Array(info.outputs[i].shape)}});
  llvm::json::Object manifest{
      {"abi", 1},
      {"name", info.name},
      {"version", "0.1.0"},
      {"input", std::move(mainInput)},
      {"extra_inputs", std::move(extraInputs)},
      {"output", llvm::json::Object{
                     {"shape", llvm::json::Array(info.outputs[0].shape)}}},
      {"extra_outputs", std::move(extras)},
      {"entry_batch", info.entryBatch},
      {"weights", std::move(weights)}};
  if (info.target != "cpu")
    manifest["target"] = info.target;
  if (!info.cpuFeatures.empty())
    manifest["requires"] = llvm::json::Array(info.cpuFeatures);
  if (info.causal)
    manifest["causal"] = true;
  if (!info.profileBlocks.empty())
    manifest["profile"] = llvm::json::Array(info.profileBlocks);
  std::string text;
  llvm::raw_string_ostream os(text);
  os << llvm::json::Value(std::move(manifest));
  return text;
}

} // namespace crate::codegen
