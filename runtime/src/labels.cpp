// Labels of threads and objects, and finding templates rendered with them (labels.hpp).
#include "weft/runtime/labels.hpp"

#include <cctype>

#include "weft/runtime/trace_model.hpp"
#include "weft/runtime/trace_reader.hpp"

namespace weft::trace {

std::string thread_ref(std::uint32_t index) { return "{thread:" + std::to_string(index) + "}"; }

std::string object_ref(rt::ObjId id) { return "{object:" + std::to_string(id) + "}"; }

std::string thread_label(std::string_view name, std::uint64_t tid, std::uint32_t pid,
                         std::uint32_t index, std::string_view routine) {
  if (!name.empty()) return std::string(name);
  if (tid != 0 && tid == pid) return "main";
  std::string out = tid != 0 ? "thread " + std::to_string(tid) : "thread #" + std::to_string(index);
  if (!routine.empty()) out += " (" + std::string(routine) + ")";
  return out;
}

std::string routine_name(std::string_view f) {
  if (f.ends_with(" const")) f.remove_suffix(6);
  if (!f.ends_with(')')) return std::string(f);
  // Cut the parameter list: the '(' that matches the last ')'.
  int depth = 0;
  for (std::size_t i = f.size(); i-- > 0;) {
    if (f[i] == ')') ++depth;
    if (f[i] == '(' && --depth == 0) return std::string(f.substr(0, i));
  }
  return std::string(f);
}

std::string object_label(rt::ObjKind kind, std::string_view name, rt::ObjId id,
                         std::string_view first_use) {
  std::string k(rt::to_string(kind));
  if (kind == rt::ObjKind::Unknown) k = "object";
  if (name.empty()) return k + " #" + std::to_string(id);
  std::string out = k + " '" + std::string(name) + "'";
  if (!first_use.empty()) out += " (first used at " + std::string(first_use) + ")";
  return out;
}

bool is_address_name(std::string_view name) {
  if (name.size() < 3 || name[0] != '0' || name[1] != 'x') return false;
  for (std::size_t i = 2; i < name.size(); ++i)
    if (!std::isxdigit(static_cast<unsigned char>(name[i]))) return false;
  return true;
}

std::string thread_object_label(const std::string& thread) {
  return thread.starts_with("thread ") ? thread : "thread " + thread;
}

Labels::Labels(const Trace& t) : t_(t) {
  for (std::size_t i = 0; i < t.objects.size(); ++i)
    objects_.emplace(t.objects[i].id, static_cast<std::uint32_t>(i));
  if (t.processes.size() > 1) {
    std::unordered_map<std::string_view, std::uint32_t> pid_of_name;
    for (const Object& o : t.objects) {
      if (o.name.empty()) continue;
      auto [it, fresh] = pid_of_name.emplace(o.name, o.pid);
      if (!fresh && it->second != o.pid) shared_names_.insert(it->first);
    }
  }
  for (const auto& th : t.threads)
    if (th.object != 0) thread_of_object_.emplace(th.object, th.index);
}

std::string Labels::thread(std::uint32_t index) const {
  if (index >= t_.threads.size()) return thread_label({}, 0, 0, index);
  const Thread& th = t_.threads[index];
  return thread_label(th.name, th.os_tid, th.pid, index, th.routine);
}

std::string Labels::process_suffix(const Object& o) const {
  if (shared_names_.empty() || !shared_names_.count(o.name)) return {};
  return " (pid " + std::to_string(o.pid) + ")";
}

std::string Labels::object(rt::ObjId id) const {
  auto it = objects_.find(id);
  const Object* o = it != objects_.end() ? &t_.objects[it->second] : nullptr;
  if (o != nullptr && !o->name.empty()) {
    // Known only by its address: where the program first used it, once symbolized to a line.
    std::string first_use;
    if (is_address_name(o->name) && o->site >= 0 &&
        static_cast<std::size_t>(o->site) < t_.sites.size()) {
      const Site& s = t_.sites[static_cast<std::size_t>(o->site)];
      if (s.line != 0) {
        std::size_t slash = s.file.rfind('/');
        first_use = s.file.substr(slash == std::string::npos ? 0 : slash + 1) + ":" +
                    std::to_string(s.line);
      }
    }
    return object_label(o->kind, o->name, id, first_use) + process_suffix(*o);
  }
  if (auto th = thread_of_object_.find(id); th != thread_of_object_.end())
    return thread_object_label(thread(th->second));
  return object_label(o ? o->kind : rt::ObjKind::Unknown, {}, id);
}

std::string Labels::object_short(rt::ObjId id) const {
  auto it = objects_.find(id);
  if (it != objects_.end() && !t_.objects[it->second].name.empty())
    return t_.objects[it->second].name + process_suffix(t_.objects[it->second]);
  return object(id);
}

std::string Labels::render(std::string_view tmpl) const {
  return trace::render(
      tmpl, [&](std::uint32_t t) { return thread(t); }, [&](rt::ObjId o) { return object(o); });
}

std::string Labels::message(const Finding& f) const { return render(f.message_template); }

void render_messages(Trace& t) {
  Labels labels(t);
  for (Finding& f : t.findings) f.message = labels.message(f);
}

}  // namespace weft::trace
