# Turn a file into a C array (run by `cmake -P` at build time):
#   cmake -DIN=file -DOUT=file.c -DSYM=name -P embed.cmake
# defines  const unsigned char name[] (NUL-terminated) and
#          const unsigned long name_len (without the NUL).
file(READ "${IN}" hex HEX)
string(LENGTH "${hex}" n)
math(EXPR len "${n} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," body "${hex}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" body "${body}")
file(WRITE "${OUT}" "/* generated from ${IN} by cmake/embed.cmake: do not edit */\n"
     "const unsigned char ${SYM}[] = {\n${body}0x00};\n"
     "const unsigned long ${SYM}_len = ${len}UL;\n")
