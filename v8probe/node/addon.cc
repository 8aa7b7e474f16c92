// addon.cc — the probe as a Node addon: the entry of a replay child on a Node runtime.
// `node -e "require(ADDON)"` loads it; it borrows Node's platform (Node has started V8),
// then serves the replay the parent handed over, exactly as the built-in child does
// (harness/replay/child.h), and ends the process.
#include <node.h>

#include <cstdio>
#include <unistd.h>

#include "node_attach.h"

// harness/replay/child.h: reads the scenario and the record pipe the parent handed over,
// replays, and _exits. Declared here so that no harness header meets V8's.
extern "C" [[noreturn]] void child_serve_from_env(void);

NODE_MODULE_INIT(/* exports, module, context */) {
  (void)exports;
  (void)module;
  node::MultiIsolatePlatform* platform = node::GetMultiIsolatePlatform(node::GetCurrentEnvironment(context));
  if (!platform || v8p_node_attach(platform) != 0) {
    fprintf(stderr, "isoreplay: the probe addon found no Node platform to register isolates with\n");
    _exit(3);
  }
  child_serve_from_env();
}
