#!/usr/bin/env python3
# Lockbox VM: runs a bytecode program that decides whether the key typed in opens the box.
# Usage: vm.py PROGRAM   (the key is read from standard input)
import sys

OPS = {
    0x01: ("push", 1),   # push the next byte
    0x02: ("key", 1),    # push key[operand]
    0x03: ("xor", 0),    # pop b, pop a, push a ^ b
    0x04: ("add", 0),    # pop b, pop a, push (a + b) & 0xff
    0x05: ("len", 0),    # push len(key) & 0xff
    0x06: ("rol", 1),    # pop a, push a rotated left by operand bits (8-bit)
    0x10: ("jne", 2),    # pop b, pop a, jump to the 16-bit little-endian operand if a != b
    0xF0: ("open", 0),
    0xF1: ("stay", 0),
}


def run(program, key):
    stack, pc = [], 0
    while True:
        op = program[pc]
        name, width = OPS[op]
        arg = int.from_bytes(program[pc + 1:pc + 1 + width], "little")
        pc += 1 + width
        if name == "push":
            stack.append(arg)
        elif name == "key":
            stack.append(key[arg] if arg < len(key) else 0)
        elif name == "xor":
            b, a = stack.pop(), stack.pop()
            stack.append(a ^ b)
        elif name == "add":
            b, a = stack.pop(), stack.pop()
            stack.append((a + b) & 0xFF)
        elif name == "len":
            stack.append(len(key) & 0xFF)
        elif name == "rol":
            a = stack.pop()
            stack.append(((a << arg) | (a >> (8 - arg))) & 0xFF)
        elif name == "jne":
            b, a = stack.pop(), stack.pop()
            if a != b:
                pc = arg
        elif name == "open":
            return True
        else:
            return False


if __name__ == "__main__":
    program = open(sys.argv[1], "rb").read()
    key = sys.stdin.buffer.read().strip()
    print("The lockbox opens." if run(program, key) else "The lockbox stays shut.")
