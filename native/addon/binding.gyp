# The symbol addon: ELF symbols and DWARF (libelf/libdw) behind N-API only, so one build loads in
# node and in VS Code's Electron. Built by native/Makefile (`make -C native addon`) with the
# installed node headers (--nodedir), never downloading any.
{
  "variables": {"static_deps%": ""},
  "targets": [
    {
      "target_name": "probe_lens_symbols",
      "sources": [
        "src/addon.cc",
        "src/binary_index.cc",
        "src/dwarf_reader.cc",
        "src/dwarf_util.cc",
        "src/source_frames.cc",
        "src/abi.cc",
        "src/index_cache.cc",
        "src/file_bytes.cc",
        "src/queries.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-fexceptions", "-Wall", "-Wextra", "-Werror", "-O2"],
      "conditions": [
        ["static_deps == ''", {
          "libraries": ["-ldw", "-lelf", "-lz"]
        }, {
          # The shipped build (scripts/dist-build.sh): elfutils, zlib and the C++ runtime linked
          # in and hidden, so the addon needs only glibc from a user's machine.
          "include_dirs": ["<(static_deps)/include"],
          "libraries": [
            "-L<(static_deps)/lib", "-Wl,-Bstatic", "-ldw", "-lelf", "-lz", "-Wl,-Bdynamic",
            "-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL"
          ]
        }]
      ]
    }
  ]
}
