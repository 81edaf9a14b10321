// Resume data: any bytes as a stored resume file into `ResumeData(decoding:)`. What decodes must
// be self-consistent (the bitfield covers the piece count) and survive encode → decode unchanged.
import FuzzSupport
import Storage
import TorrentCore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ start: UnsafeRawPointer, _ count: Int) -> CInt {
    let bytes = FuzzInput(start, count).bytes
    guard let resume = try? ResumeData(decoding: bytes) else { return 0 }
    expect(resume.pieceCount >= 0 && resume.verified.count == resume.pieceCount,
           "\(resume.verified.count) verified bits for \(resume.pieceCount) pieces")
    expect(resume.verified.setCount <= resume.pieceCount, "more verified pieces than pieces")
    expect(resume.files.allSatisfy { $0.index >= 0 && ($0.size ?? 0) >= 0 }, "a file entry with a negative index or size")
    expect((try? ResumeData(decoding: resume.encoded())) == resume, "resume data does not survive encoding")
    return 0
}
