// The member path of an address inside a program's variable, read from the program's DWARF with
// LLVM's DebugInfo library: `accounts[3].mu` for the mutex 48 bytes into `Account accounts[8]`.
// LLVM rather than elfutils' libdw: weft already links LLVM for `weft lint`, its DWARF reader
// follows both compilers' DWARF 5 (GCC 12, clang 19) and split units, and it answers "which
// variable is at this data address" itself (DWARFUnit::getVariableForAddress), so no second
// debug-info dependency is needed. Without debug info the symbol table's "accounts+168" stays.
#include "debuginfo.hpp"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <llvm/BinaryFormat/Dwarf.h>
#include <llvm/DebugInfo/DWARF/DWARFCompileUnit.h>
#include <llvm/DebugInfo/DWARF/DWARFContext.h>
#include <llvm/DebugInfo/DWARF/DWARFDie.h>
#include <llvm/Object/ObjectFile.h>


namespace weft::cli {
namespace {

struct Module {
  llvm::object::OwningBinary<llvm::object::ObjectFile> binary;
  std::unique_ptr<llvm::DWARFContext> dwarf;
};

Module* open_module(const std::string& path) {
  static std::mutex mu;
  static std::map<std::string, std::unique_ptr<Module>> cache;
  std::lock_guard lock(mu);
  auto [it, fresh] = cache.try_emplace(path);
  if (!fresh) return it->second.get();
  auto file = llvm::object::ObjectFile::createObjectFile(path);
  if (!file) {
    llvm::consumeError(file.takeError());
    return nullptr;
  }
  auto m = std::make_unique<Module>();
  m->binary = std::move(*file);
  m->dwarf = llvm::DWARFContext::create(*m->binary.getBinary());
  it->second = std::move(m);
  return it->second.get();
}

// The type behind typedefs and qualifiers.
llvm::DWARFDie strip(llvm::DWARFDie t) {
  for (int hops = 0; t && hops < 32; ++hops) {
    switch (t.getTag()) {
      case llvm::dwarf::DW_TAG_typedef:
      case llvm::dwarf::DW_TAG_const_type:
      case llvm::dwarf::DW_TAG_volatile_type:
      case llvm::dwarf::DW_TAG_atomic_type:
        t = t.getAttributeValueAsReferencedDie(llvm::dwarf::DW_AT_type);
        continue;
      default:
        return t;
    }
  }
  return t;
}

llvm::DWARFDie type_of(const llvm::DWARFDie& d) {
  auto v = d.findRecursively(llvm::dwarf::DW_AT_type);  // follows DW_AT_specification
  return v ? strip(d.getAttributeValueAsReferencedDie(*v)) : llvm::DWARFDie();
}

std::uint64_t size_of(llvm::DWARFDie t, std::uint64_t pointer_size) {
  return t ? t.getTypeSize(pointer_size).value_or(0) : 0;
}

}  // namespace

std::string variable_member_path(const std::string& module, std::uint64_t var_start,
                                 std::uint64_t address, std::uint64_t object_size) {
  Module* m = open_module(module);
  if (m == nullptr || address < var_start) return {};
  llvm::DWARFCompileUnit* cu = m->dwarf->getCompileUnitForDataAddress(address);
  if (cu == nullptr) return {};
  llvm::DWARFDie var = cu->getVariableForAddress(address);
  if (!var) return {};
  const std::uint64_t ptr = cu->getAddressByteSize();
  llvm::DWARFDie t = type_of(var);
  std::uint64_t off = address - var_start;
  if (off >= size_of(t, ptr)) return {};  // nm's symbol and DWARF's variable disagree
  std::string path;
  for (int depth = 0; t && depth < 64; ++depth) {
    const std::uint64_t size = size_of(t, ptr);
    if (off == 0 && (size == object_size || object_size == 0)) break;  // this type is the object
    if (t.getTag() == llvm::dwarf::DW_TAG_array_type) {
      llvm::DWARFDie elem = type_of(t);
      const std::uint64_t es = size_of(elem, ptr);
      if (es == 0) break;
      std::vector<std::uint64_t> counts;
      for (llvm::DWARFDie sub : t.children()) {
        if (sub.getTag() != llvm::dwarf::DW_TAG_subrange_type) continue;
        if (auto c = sub.find(llvm::dwarf::DW_AT_count))
          counts.push_back(c->getAsUnsignedConstant().value_or(0));
        else if (auto u = sub.find(llvm::dwarf::DW_AT_upper_bound))
          counts.push_back(u->getAsUnsignedConstant().value_or(0) + 1);
        else
          counts.push_back(0);  // flexible or unknown bound: only the outermost may be
      }
      if (counts.empty()) counts.push_back(0);
      std::uint64_t stride = es;
      for (std::size_t i = 1; i < counts.size(); ++i) stride *= counts[i] == 0 ? 1 : counts[i];
      for (std::size_t i = 0; i < counts.size(); ++i) {
        const std::uint64_t index = off / stride;
        path += '[';
        path += std::to_string(index);
        path += ']';
        off -= index * stride;
        if (i + 1 < counts.size() && counts[i + 1] != 0) stride /= counts[i + 1];
      }
      t = elem;
      continue;
    }
    const auto tag = t.getTag();
    if (tag != llvm::dwarf::DW_TAG_structure_type && tag != llvm::dwarf::DW_TAG_class_type &&
        tag != llvm::dwarf::DW_TAG_union_type)
      break;
    // The member (or base class) whose bytes hold `off`; the largest when a union's overlap.
    llvm::DWARFDie best;
    std::uint64_t best_off = 0, best_size = 0;
    for (llvm::DWARFDie child : t.children()) {
      const auto ctag = child.getTag();
      if (ctag != llvm::dwarf::DW_TAG_member && ctag != llvm::dwarf::DW_TAG_inheritance) continue;
      if (child.find(llvm::dwarf::DW_AT_external) || child.find(llvm::dwarf::DW_AT_bit_size))
        continue;  // static members live elsewhere; bit-fields hold no lock
      std::uint64_t moff = 0;
      if (auto loc = child.find(llvm::dwarf::DW_AT_data_member_location)) {
        auto c = loc->getAsUnsignedConstant();
        if (!c) continue;  // a virtual base's offset is computed at run time
        moff = *c;
      } else if (tag != llvm::dwarf::DW_TAG_union_type) {
        continue;
      }
      const std::uint64_t msize = size_of(type_of(child), ptr);
      if (off < moff || off >= moff + msize) continue;
      if (!best || msize > best_size) {
        best = child;
        best_off = moff;
        best_size = msize;
      }
    }
    if (!best) break;
    if (best.getTag() == llvm::dwarf::DW_TAG_member) {
      const char* name = best.getShortName();
      if (name == nullptr || *name == '\0') break;  // an anonymous member: stop at its parent
      path += ".";
      path += name;
    }
    off -= best_off;
    t = type_of(best);
  }
  return path;
}

int variable_main(int argc, char** argv) {
  // weft __variable MODULE VAR_START ADDRESS OBJECT_SIZE (hexadecimal addresses): the member
  // path, for a recorded process naming an object in its live message (trace::live_object_name).
  if (argc != 5) return 2;
  std::uint64_t start = std::strtoull(argv[2], nullptr, 16);
  std::uint64_t address = std::strtoull(argv[3], nullptr, 16);
  std::uint64_t size = std::strtoull(argv[4], nullptr, 10);
  std::printf("%s\n", variable_member_path(argv[1], start, address, size).c_str());
  return 0;
}


}  // namespace weft::cli
