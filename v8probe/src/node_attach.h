/* node_attach.h — the one call the Node addon (node_child.cc) makes into the probe
 * before anything else: it hands over Node's MultiIsolatePlatform (as void *: the header
 * stays free of Node's). Returns 0, or -1 when the probe cannot use it. */
#ifndef ISOREPLAY_NODE_ATTACH_H
#define ISOREPLAY_NODE_ATTACH_H

#ifdef __cplusplus
extern "C" {
#endif

int v8p_node_attach(void *platform);

#ifdef __cplusplus
}
#endif
#endif
