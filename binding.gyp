# The native addons, built by scripts/build-native.ts on npm install (node-gyp, Node-API 8):
#   spindle_native  native/core/: CRC16 key slots, HyperLogLog, listpack validation, the
#                   socket layer for main-thread clients (net.cc)
#                   (node-addon-api, header-only). Needs only a C++ compiler.
#   spindle_lua     native/lua/: the Lua engine (plain Node-API), linked against Debian's shared
#                   liblua5.1; only when its headers are present (gyp variable with_lua).
{
  "variables": { "with_lua%": "true" },
  "targets": [
    {
      "target_name": "spindle_native",
      "sources": [
        "native/core/addon.cc",
        "native/core/crc16.cc",
        "native/core/hll.cc",
        "native/core/listpack.cc",
        "native/core/net.cc"
      ],
      "include_dirs": ["node_modules/node-addon-api"],
      "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-ffp-contract=off"],
      "defines": ["NAPI_VERSION=8", "NODE_ADDON_API_DISABLE_CPP_EXCEPTIONS"]
    }
  ],
  "conditions": [
    ["with_lua=='true'", {
      "targets": [
        {
          "target_name": "spindle_lua",
          "sources": [
            "native/lua/addon.cc",
            "native/lua/convert.cc",
            "native/lua/sandbox.cc",
            "native/lua/cmsgpack.cc",
            "native/lua/struct.cc",
            "native/lua/functions.cc"
          ],
          "include_dirs": ["/usr/include/lua5.1"],
          "libraries": ["-llua5.1", "-ldl"],
          "cflags_cc": ["-std=c++17", "-O2", "-Wall", "-Wno-unused-function"],
          "cflags_cc!": ["-fno-exceptions"],
          "defines": ["NAPI_VERSION=8"]
        }
      ]
    }]
  ]
}
