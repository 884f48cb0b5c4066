/**
 * The kit's development RSA key pair for RS256: PUBLIC AND FOR TESTS ONLY. It ships inside the
 * package, so anyone can sign tokens with it; nothing but the FusionAuth double may ever trust
 * it. (Secret scanners that flag it are right that it is a private key, and wrong that it is a
 * secret: it is published on purpose.)
 *
 * Why a fixed key rather than one made at start: an app that caches FusionAuth's JWKS (Authlib,
 * and other OIDC libraries) keeps it across the kit's runs, and a new key under the same `kid` failed
 * every login of its second run (#25). Node's crypto cannot generate an RSA key from a seed, and
 * hand-written prime generation is not worth it in a test double; a kickstart file or config
 * that has its own key supplies it instead (keys.ts, KeyMaterial).
 */
export const DEV_RSA_PRIVATE_KEY = `-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDYte6xTNYJQDYM
rZDoyRXIVDFyad/UNo6Q8Qzp3naEqzG478hbNdBYcwM8y0w0UA7z8quq2kbHn5U6
hDe/IpWkcgiY/JMdj95nvMpPan3x2DwTpieWY7a60sBEs1VNCORwSwhyMfzvn1+V
CyTHp/GTewms0sh8E/sw7Xyhye8MCdprbxEwWmuQ2usesAGO7TCd6qGUAodheEPY
BfSQ/+ClMIY90vfDFQm8rpOW0naEU4a/VhvK1SoIvjWv/j5gbqIFu+3Z4Vqt8Qzt
2atRK+IKUPF9nSPAVDq9hkSIqYL4gusyCHNoAcz9GdLwdQizYAS+ETgdgD2wwR67
XtRfbBWLAgMBAAECggEACHH+nVY7OR0Rfij9brT3blkpnCXYHTMLF0btk+ehgsYR
J/3gNv2/4tKIm8Pocll0W7lnSz86ZuknLaKdcYttfX0cLKobKZnDtxM6ZyHlSpl8
rd9Zx5iXNGymJYc/mcLw9BdYeurLyqLRXMOUaVt4JKE03VFRktRMg7mdk8iE0lk1
kGcns/vVYs6lTaSNJ2nQXBarF+0wmVhdSPbpzE1zSe41pUd4PZDRmeLznFjjvcIJ
1JIpgpF3DZKzua2DtL+CoDaF9vBJF4+dM6joQVDfpCfNLnHAg7+jSgj39Cw1N0Lf
JIpD80Ecuc4rntByCbnkxE42QQxr4I39/Q2kdyi1YQKBgQD5dorVJqzZ2DpH+nqf
MYRdcbjlr7tFDElc4gd2W8rpOg7a0K1oj1XH6s0MIOuzTkVbg3a0naz36Numaa7z
j3wEzWMvLAi7HZa2kYt6eRRO49gYdkeFaFiKklLjEYOrt8tkr9zwUpulWHTY2V+l
YmncdCNPXs7ZbhtXaQHu68bZYwKBgQDeY63lhWoS9cSCouuIDoceW82UvY8s1C89
bkGS71F5Yo/FI0MTm+KfkazbIHN7x2sHFpYF4BQv0LlVTQBeb5kRHpJDCwoi4xN+
ulCa3suAM/WbQmEmT/L2xFV2Mywd3xRNbvvzmGZbeQ16sXBQ2xeWIFV++I+esx/P
b6sgteIfuQKBgE/4OV9FK6oWD/DdEgwQYp9WAnDXGdBztNzqtHuzx2NmsjZhKQXY
1SXmVl8p+oUbdU514UrbNQSwCCHbxTLc72PWt5H6qr3ZKWRTWgQj5me30KFe4WSZ
47BgYePazHvyymf3nHsJ8E1cAvE1Fd09pDQAowUhnmvDSU6HIhCGUtODAoGBAJYZ
3WOPWvsVGt+5qxOYCqb4+5crIpn1VTU3V9ce5HTzi2pZ1IpFqv5cyrjT/F5NSPXt
zrCEf9uOG6lxYZBb7opZggryRpMphR0CECmXuu77Iwj6EqxTRgA8oBo5i8tVqFRj
VnciI+QVnn1zigVo+1B+3nXmurk42X2fN3fKi6cxAoGASht5KtFnPHiqGmxIMoUG
SFoEHNwrPtnA56LfpOIMaH6NBLhsocQCb34hn/tdb79iXLL6oK5CB4KLJ/5uqzDN
OqeZNIXcy1qp0jRaPxLEaHFPHznt8AVpvkiWIuwdHb6umKFC0pjD+EOdPsSVOxtP
qXd1K4Iusb0F3YhyIIcbsyA=
-----END PRIVATE KEY-----
`;
