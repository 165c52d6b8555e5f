// Debug-information lookups the `weft` binary adds to the trace layer when it is built with LLVM
// (the same condition as `weft lint`): member paths of variables (debuginfo.cpp, in
// libweft_llvm.so; the weft binary reaches them through llvm_loader.cpp).
#pragma once

#include <cstdint>
#include <string>

namespace weft::cli {

// The path inside the variable that starts at `var_start` of ELF object `module` down to the
// object of `object_size` bytes at `address` (addresses as the file counts them, as nm prints
// them): "[3].mu" for the mutex member of the fourth element of an array of structs; "" when the
// module has no debug information for it or the address is the variable itself.
std::string variable_member_path(const std::string& module, std::uint64_t var_start,
                                 std::uint64_t address, std::uint64_t object_size);
// `weft __variable MODULE VAR_START ADDRESS OBJECT_SIZE`: prints the member path (hidden command,
// run by a recorded process for its live message).
int variable_main(int argc, char** argv);
// Makes trace::name_objects complete symbol names with member paths (llvm_loader.cpp: loads
// libweft_llvm.so at the first path it is asked for).
void install_debuginfo();

}  // namespace weft::cli
