"""Helpers shared by check-array-run.py and check-mp-run.py."""


def linked_layers(disassembly):
    """Sorted names of the layers whose SENDs/RECVs use the links."""
    layer_names, linked = [], set()
    for line in open(disassembly):
        words = line.split()
        if words and words[0] == ".layer":
            layer_names.append(line.split('name="')[1].split('"')[0])
        elif words and words[0] in ("send", "recv"):
            layer = next(w for w in words if w.startswith("layer="))
            linked.add(layer_names[int(layer.split("=")[1])])
    return sorted(linked)
