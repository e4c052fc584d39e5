"""Catalogue titles are our own words: none repeats a run of four words of the standard's own wording.

The fixture holds no text of the standards: only a short hash of every run of four words (lower case,
without short linking words such as "are", "the", "and") of the PCI DSS v4.0.1 headings of each x.y
requirement and of the x.y.z requirements the rules cite.  A title that shares one such run with the
standard is a near copy: rewrite it in other words.
"""

from __future__ import annotations

import hashlib
import re

from sopframe_plugins.compliance import pcidss

_LINKING = {"a", "an", "the", "is", "are", "be", "and", "of", "to", "or", "by", "with", "from", "for", "in", "on",
            "all"}

#: hashes of the standard's four-word runs (see the module docstring)
PCI_RUNS = frozenset("""
0058b2f62f 01093954f5 0244ace130 02465d40bb 0259c1d057 0358f65b68 03ab7fef7f 047e91723d 05a96d3291
08a204f29c 0947c1b61e 09d0c62b01 0ac5a878bf 0bf1fffa08 0ec7b7aa36 0ec9369aa3 10493b787f 1136b50b27
1185366c1d 11c3f508e5 11d5907753 1248e56688 12fd3c71e5 1302fc119b 137478f0c3 152fac11c4 1538bb33b0
163c0173a8 16c71cc4ef 1745106002 18615f9e0a 1913f0e44a 192b4b925d 19f5b1758d 1ab326d6b1 1c51e95492
1c52c191c0 1c8462ba0a 1c9f400f04 1d2a91a2f6 1e66816f7f 1ed0944905 1f4a317808 20d3da281b 233824394c
237f4bc085 239a1eb2e8 242f0ec06e 25010f1d35 26092a17e2 29f11dc442 29f841f7a2 2a05a17eb9 2a6f7df5bb
2a8307e206 2ada971503 2e05425501 2e0f961e14 2e33deb6ba 3022f6c0e0 30501a4215 3294a410a1 3296fa160f
32bd1f62f6 3335c7b79b 344ea435df 351adc3e17 36170e4c5a 366ce8c50c 368eff4eea 380552426c 380d727760
38ac98a233 397329b765 3a18a0beb9 3a298bc729 3ab9dae84b 3b3d198188 3c70a5f63d 3e094400f2 3e6d4fe6a6
3ed31615d4 4068c367d8 415ea979cb 43c1773711 440a3dc00f 441712962b 44cc9004ae 4521646b4b 4604820e2f
4789807fd0 4a372f7909 4abcac0439 4ba2c33de3 4d3a4cb06c 4dfd42ba0a 4e872dd84a 4ec62e4a1b 4eefc8efc3
4f6285965b 4f64c9727b 5091f751ea 50ac633cc3 520dca95a7 52364c2778 52cb4d3bf8 53031e1f84 535efdad7c
5379d2d769 5386e55eff 53920c2d0b 548cd82889 54ae4406dd 553d432ede 55c0f6acfc 56c2e1e59a 56e781faa2
57e59cc6a1 58888a0569 5893061a60 5991d45ed3 5b7db1cbf1 5b82ba8797 5d7a91b734 5ddd2a43cb 5e44c2e780
5e8ea8ebda 6061887774 6192ff3644 619b560960 6236cd4236 62e70f7949 62e8e72e3f 6338eabb78 6345789761
634c6d0617 6375204c86 63935c8e09 639ae0250f 63e1ff650b 6523ed69f9 65e4a4859d 66b97409ea 66e7f5705f
66fceceee0 67af5b8f80 6835f3301b 69308edb5c 69e8276a40 69fbadd16a 6a8c38352f 6a94e1af64 6b5bfd1cf0
6c53d94d9c 6cba6be5d1 6cdea4faa8 6ce240b75c 6d2d4b3fc5 6e2c4ac7f4 6f60ea7a98 6fccbc28d8 703ad966cc
70abee37fc 712c09b43a 72cbb24428 73119c6150 734f7455e8 74e0d1d331 753fb742e1 766a867cf6 76c71348e3
7787b46009 7976e9e216 798c45dea6 7998814ef5 79ccabab52 7b7a947adc 7c69dba4fc 7cd39d8fd5 7cde33bde1
7da54ef48d 7dcdc11895 7e904865b9 7edadde942 7f4e2eae43 81b6a32fd7 81c31691e0 822e9d36ef 830c4b60bc
8366016e7e 83911eb9e0 8642911998 8649850b96 89ca98bdaf 8a069229a6 8b6c47aedd 8b98e41c83 8ba8b8a2e2
8c9c3a8d29 8caff2f4e3 8cfdb397b2 8d202b559a 8e70fae77b 8ea2e4b347 8fe9213583 907a99803d 9128037090
92a5c5ddbc 92ed4467f1 9345b3d893 939d15febe 94432b7749 94a993fd80 94d95a0c51 94fe2dd406 954d551e74
95b83bac33 95bd3b38e5 9737f89f17 97906d6dd4 97b151b14c 984af3555a 98ad7cf07f 9915d762e5 995472b9d1
99782c1ead 9979bc4ecf 9a15bde3dc 9b032d61c2 9c3dea5a85 9d97f5ab4d 9dceb8d835 9df8b53bb2 9e288bc5bb
9e7c95ee36 9ec2f9b5bf a0ea34c672 a1cf652454 a1f0f6d883 a2c01cfad1 a3e3d928e2 a46b091328 a4cf32b72a
a4e1b8b529 a4e1be8fb5 a4e832629e a59a654f10 a721df231e a7816e2981 a7b69ee7d0 a7c3fe438f a81926fc15
a88c95ee58 a8cacd7eb1 aa6c9a7011 aa6d665c36 aa78dac56e aaab30d4d8 aaed8eb96b abd72238b7 ac57f36430
acbd2398b8 acf681c226 ad3836ec93 ae8d871049 af09728b18 afdd7d6dcd afffd48f9c b0fd1fbcfd b1c1e71374
b269dad3f3 b31f987d92 b33659fd19 b366f7aba7 b385faef78 b38b88bf76 b4789d4a15 b4be1855c8 b4e3b5c8fd
b57bd1ccb6 b5fadd2ab0 b61336479f b6d75dc444 b7ffcededa b81a0f5105 b8218763a0 b824d053c0 b84545a7f2
b9552c9361 b9cc4bfd04 b9ce137dd2 ba9fb71d92 bbe10946c5 bc43b2f4d3 bc7c954365 bc94fa0cca bd1551f502
bd2a2deef2 bd305d6d35 bdce81c812 be948814fe bf3c57f996 bfd798b97e c0a2bcc029 c17fd14227 c2719394f0
c2f05ad831 c41fa335f6 c63abfc8f6 c80a64e50c c8a1539bf6 c9ce491843 ca8e87266f ca8f1c655a cbc0cd6ebe
cbda9d4af0 cd0c6d1eac cd2425092c cde5502bc6 ce3698fb26 cf2eed37c4 cf36959e91 cfcb116294 d06cda7117
d08e4913f9 d23c9c1a37 d2c2325842 d2fe315005 d3e640f3a2 d45aaf2151 d4d3a6c7ec d4f080e64f d5a785828f
d6317e841f d805707f2b d83e5591e4 d8547751dd d929cb9a4f d942aef85b d9787ad22f daf75fbfe5 db47df0df5
dd0a77491a dd9b1284bd e0b5667531 e0d5e1fdaf e121653814 e14cd7126d e1afac9cd3 e1b70e987b e231d53067
e25a9d7ef0 e2ac83b0a7 e39edfc60a e48be49144 e4a1b54b03 e50fc69d1f e5b2429420 e632c2f546 e695345146
e7a956186a e7e36b773a e7f2df864b e7f888c3fe e8a7f3fbea ea2eef733a ea907d1512 eb3d7ca89e ebecb5958e
ec784fb2bf ecdaf8066d ed27036f54 edba54f481 ee50696070 ee69035768 ef0b16e3e7 ef40e8e008 f067b44bee
f0e80f682f f1d4e9c675 f1ed652711 f288ed22d8 f423638ba2 f4436d5924 f6dfce6b88 f734b1e9ff f7fcdc740d
fa8d49f7c2 fadc1d0f74 faf82825d4 faf944da9c fb7f7d381b fc10bc1f8e fca600a3f0 fcbd9d7e45 fea22c44ae
ff62452804
""".split())


def runs(title: str) -> dict[str, str]:
    """Each run of four words of ``title`` (normalised as the fixture's) by its hash."""
    words = [w for w in re.findall(r"[a-z0-9]+", title.lower().replace("authoriz", "authoris")) if w not in _LINKING]
    found = (" ".join(words[i:i + 4]) for i in range(len(words) - 3))
    return {hashlib.sha256(run.encode()).hexdigest()[:10]: run for run in found}


def test_pci_titles_share_no_four_word_run_with_the_standard() -> None:
    copied = {cid: [run for h, run in runs(c.title).items() if h in PCI_RUNS] for cid, c in pcidss.CATALOGUE.items()}
    assert not {cid: r for cid, r in copied.items() if r}


def test_the_fixture_catches_a_near_copy() -> None:
    # a title written as the requirement's heading without its verb is caught
    assert set(runs("Changes to all system components managed securely")) & PCI_RUNS
