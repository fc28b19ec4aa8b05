"""Writes the files README.md's "Writing a layer plugin" shows, from its own code blocks, into a folder.

python3 readme_plugin_files.py README.md FOLDER plugin|tests
"""
import re
import sys

readme, folder, which = sys.argv[1], sys.argv[2], sys.argv[3]
text = open(readme, encoding="utf-8").read()
section = text[text.index("## Writing a layer plugin"):text.index("## When something is wrong")]
blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)


def write(name, content):
    with open(f"{folder}/{name}", "w", encoding="utf-8") as file:
        file.write(content)


for language, block in blocks:
    if which == "plugin":
        if language == "proto" and "ScaledTanhParameter" in block:
            # The README's later proto blocks (the Compat fork plugin's) are not this plugin's.
            write("my_layers.proto", block)
        elif language == "csharp" and "class ScaledTanhLayer(" in block:
            write("ScaledTanhLayer.cs", block)
        elif language == "csharp" and "class MyLayersPlugin" in block:
            write("MyLayersPlugin.cs", block)
        elif language == "xml":
            project = f"{folder}/MyLayers.csproj"
            content = open(project, encoding="utf-8").read().replace("</Project>", block + "</Project>")
            write("MyLayers.csproj", content)
        elif language == "protobuf" and block.startswith('name: "ScaledTanhNet"'):
            write("net.prototxt", block)
        elif language == "protobuf" and block.startswith('net: "net.prototxt"'):
            write("solver.prototxt", block)
    elif language == "csharp" and "class ScaledTanhLayerTests" in block:
        write("ScaledTanhLayerTests.cs", block)
