/* Finds a function symbol in an ELF file and the file offset a uprobe needs. */
#ifndef PROBE_LENS_ELF_SYMBOLS_H
#define PROBE_LENS_ELF_SYMBOLS_H

#include <stdbool.h>
#include <stdint.h>
#include "rpc.h"

struct function_location {
	uint64_t address;	/* st_value */
	uint64_t file_offset;
	uint64_t size;
};

/* Looks name up in .symtab, then .dynsym (versioned names such as printf@@GLIBC_2.2.5
 * match printf). Fails with RPC_STRIPPED, RPC_SYMBOL_NOT_FOUND (suggesting the nearest
 * name) or RPC_BAD_PARAMS when several different functions share the name. */
int elf_find_function(int fd, const char *path, const char *name, struct function_location *loc,
		      struct rpc_failure *failure);

/* Checks that offset lies in an executable segment of the file. */
int elf_check_offset(int fd, const char *path, uint64_t offset, struct rpc_failure *failure);

/* Checks that offset is where a function of .symtab or .dynsym starts, or a row of the file's
 * own line table (a line's first instruction): an instruction boundary the helper found itself,
 * not one a client claims. */
int elf_check_probe_site(int fd, const char *path, uint64_t offset, struct rpc_failure *failure);

/* Whether offset is where a function of .symtab or .dynsym starts. */
bool elf_starts_function(int fd, uint64_t offset);

/* Whether most functions of the file set up a frame pointer (push %rbp; mov %rsp,%rbp), so
 * that a stack can be walked through them. */
bool elf_keeps_frame_pointers(int fd);

#endif
