# The Lua engine addon (native/lua/): Node-API, linked against Debian's shared liblua5.1.
# Built by scripts/build-native.ts on npm install when liblua5.1-0-dev's headers are present.
{
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
}
