// The project file names no NUnit using; Fixtures fails a test through NUnit.
global using NUnit.Framework;
