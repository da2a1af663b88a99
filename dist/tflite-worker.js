import { createRequire as __WEBPACK_EXTERNAL_createRequire } from "module";
/******/ var __webpack_modules__ = ({

/***/ 71:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Builder = void 0;
const byte_buffer_js_1 = __nccwpck_require__(503);
const constants_js_1 = __nccwpck_require__(957);
class Builder {
    /**
     * Create a FlatBufferBuilder.
     */
    constructor(opt_initial_size) {
        /** Minimum alignment encountered so far. */
        this.minalign = 1;
        /** The vtable for the current table. */
        this.vtable = null;
        /** The amount of fields we're actually using. */
        this.vtable_in_use = 0;
        /** Whether we are currently serializing a table. */
        this.isNested = false;
        /** Starting offset of the current struct/table. */
        this.object_start = 0;
        /** List of offsets of all vtables. */
        this.vtables = [];
        /** For the current vector being built. */
        this.vector_num_elems = 0;
        /** False omits default values from the serialized data */
        this.force_defaults = false;
        this.string_maps = null;
        this.text_encoder = new TextEncoder();
        let initial_size;
        if (!opt_initial_size) {
            initial_size = 1024;
        }
        else {
            initial_size = opt_initial_size;
        }
        /**
         * @type {ByteBuffer}
         * @private
         */
        this.bb = byte_buffer_js_1.ByteBuffer.allocate(initial_size);
        this.space = initial_size;
    }
    clear() {
        this.bb.clear();
        this.space = this.bb.capacity();
        this.minalign = 1;
        this.vtable = null;
        this.vtable_in_use = 0;
        this.isNested = false;
        this.object_start = 0;
        this.vtables = [];
        this.vector_num_elems = 0;
        this.force_defaults = false;
        this.string_maps = null;
    }
    /**
     * In order to save space, fields that are set to their default value
     * don't get serialized into the buffer. Forcing defaults provides a
     * way to manually disable this optimization.
     *
     * @param forceDefaults true always serializes default values
     */
    forceDefaults(forceDefaults) {
        this.force_defaults = forceDefaults;
    }
    /**
     * Get the ByteBuffer representing the FlatBuffer. Only call this after you've
     * called finish(). The actual data starts at the ByteBuffer's current position,
     * not necessarily at 0.
     */
    dataBuffer() {
        return this.bb;
    }
    /**
     * Get the bytes representing the FlatBuffer. Only call this after you've
     * called finish().
     */
    asUint8Array() {
        return this.bb
            .bytes()
            .subarray(this.bb.position(), this.bb.position() + this.offset());
    }
    /**
     * Prepare to write an element of `size` after `additional_bytes` have been
     * written, e.g. if you write a string, you need to align such the int length
     * field is aligned to 4 bytes, and the string data follows it directly. If all
     * you need to do is alignment, `additional_bytes` will be 0.
     *
     * @param size This is the of the new element to write
     * @param additional_bytes The padding size
     */
    prep(size, additional_bytes) {
        // Track the biggest thing we've ever aligned to.
        if (size > this.minalign) {
            this.minalign = size;
        }
        // Find the amount of alignment needed such that `size` is properly
        // aligned after `additional_bytes`
        const align_size = (~(this.bb.capacity() - this.space + additional_bytes) + 1) & (size - 1);
        // Reallocate the buffer if needed.
        while (this.space < align_size + size + additional_bytes) {
            const old_buf_size = this.bb.capacity();
            this.bb = Builder.growByteBuffer(this.bb);
            this.space += this.bb.capacity() - old_buf_size;
        }
        this.pad(align_size);
    }
    pad(byte_size) {
        for (let i = 0; i < byte_size; i++) {
            this.bb.writeInt8(--this.space, 0);
        }
    }
    writeInt8(value) {
        this.bb.writeInt8((this.space -= 1), value);
    }
    writeInt16(value) {
        this.bb.writeInt16((this.space -= 2), value);
    }
    writeInt32(value) {
        this.bb.writeInt32((this.space -= 4), value);
    }
    writeInt64(value) {
        this.bb.writeInt64((this.space -= 8), value);
    }
    writeFloat32(value) {
        this.bb.writeFloat32((this.space -= 4), value);
    }
    writeFloat64(value) {
        this.bb.writeFloat64((this.space -= 8), value);
    }
    /**
     * Add an `int8` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `int8` to add the buffer.
     */
    addInt8(value) {
        this.prep(1, 0);
        this.writeInt8(value);
    }
    /**
     * Add an `int16` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `int16` to add the buffer.
     */
    addInt16(value) {
        this.prep(2, 0);
        this.writeInt16(value);
    }
    /**
     * Add an `int32` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `int32` to add the buffer.
     */
    addInt32(value) {
        this.prep(4, 0);
        this.writeInt32(value);
    }
    /**
     * Add an `int64` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `int64` to add the buffer.
     */
    addInt64(value) {
        this.prep(8, 0);
        this.writeInt64(value);
    }
    /**
     * Add a `float32` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `float32` to add the buffer.
     */
    addFloat32(value) {
        this.prep(4, 0);
        this.writeFloat32(value);
    }
    /**
     * Add a `float64` to the buffer, properly aligned, and grows the buffer (if necessary).
     * @param value The `float64` to add the buffer.
     */
    addFloat64(value) {
        this.prep(8, 0);
        this.writeFloat64(value);
    }
    addFieldInt8(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addInt8(value);
            this.slot(voffset);
        }
    }
    addFieldInt16(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addInt16(value);
            this.slot(voffset);
        }
    }
    addFieldInt32(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addInt32(value);
            this.slot(voffset);
        }
    }
    addFieldInt64(voffset, value, defaultValue) {
        if (this.force_defaults || value !== defaultValue) {
            this.addInt64(value);
            this.slot(voffset);
        }
    }
    addFieldFloat32(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addFloat32(value);
            this.slot(voffset);
        }
    }
    addFieldFloat64(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addFloat64(value);
            this.slot(voffset);
        }
    }
    addFieldOffset(voffset, value, defaultValue) {
        if (this.force_defaults || value != defaultValue) {
            this.addOffset(value);
            this.slot(voffset);
        }
    }
    /**
     * Structs are stored inline, so nothing additional is being added. `d` is always 0.
     */
    addFieldStruct(voffset, value, defaultValue) {
        if (value != defaultValue) {
            this.nested(value);
            this.slot(voffset);
        }
    }
    /**
     * Structures are always stored inline, they need to be created right
     * where they're used.  You'll get this assertion failure if you
     * created it elsewhere.
     */
    nested(obj) {
        if (obj != this.offset()) {
            throw new TypeError('FlatBuffers: struct must be serialized inline.');
        }
    }
    /**
     * Should not be creating any other object, string or vector
     * while an object is being constructed
     */
    notNested() {
        if (this.isNested) {
            throw new TypeError('FlatBuffers: object serialization must not be nested.');
        }
    }
    /**
     * Set the current vtable at `voffset` to the current location in the buffer.
     */
    slot(voffset) {
        if (this.vtable !== null)
            this.vtable[voffset] = this.offset();
    }
    /**
     * @returns Offset relative to the end of the buffer.
     */
    offset() {
        return this.bb.capacity() - this.space;
    }
    /**
     * Doubles the size of the backing ByteBuffer and copies the old data towards
     * the end of the new buffer (since we build the buffer backwards).
     *
     * @param bb The current buffer with the existing data
     * @returns A new byte buffer with the old data copied
     * to it. The data is located at the end of the buffer.
     *
     * uint8Array.set() formally takes {Array<number>|ArrayBufferView}, so to pass
     * it a uint8Array we need to suppress the type check:
     * @suppress {checkTypes}
     */
    static growByteBuffer(bb) {
        const old_buf_size = bb.capacity();
        // Ensure we don't grow beyond what fits in an int.
        if (old_buf_size & 0xc0000000) {
            throw new Error('FlatBuffers: cannot grow buffer beyond 2 gigabytes.');
        }
        const new_buf_size = old_buf_size << 1;
        const nbb = byte_buffer_js_1.ByteBuffer.allocate(new_buf_size);
        nbb.setPosition(new_buf_size - old_buf_size);
        nbb.bytes().set(bb.bytes(), new_buf_size - old_buf_size);
        return nbb;
    }
    /**
     * Adds on offset, relative to where it will be written.
     *
     * @param offset The offset to add.
     */
    addOffset(offset) {
        this.prep(constants_js_1.SIZEOF_INT, 0); // Ensure alignment is already done.
        this.writeInt32(this.offset() - offset + constants_js_1.SIZEOF_INT);
    }
    /**
     * Start encoding a new object in the buffer.  Users will not usually need to
     * call this directly. The FlatBuffers compiler will generate helper methods
     * that call this method internally.
     */
    startObject(numfields) {
        this.notNested();
        if (this.vtable == null) {
            this.vtable = [];
        }
        this.vtable_in_use = numfields;
        for (let i = 0; i < numfields; i++) {
            this.vtable[i] = 0; // This will push additional elements as needed
        }
        this.isNested = true;
        this.object_start = this.offset();
    }
    /**
     * Finish off writing the object that is under construction.
     *
     * @returns The offset to the object inside `dataBuffer`
     */
    endObject() {
        if (this.vtable == null || !this.isNested) {
            throw new Error('FlatBuffers: endObject called without startObject');
        }
        this.addInt32(0);
        const vtableloc = this.offset();
        // Trim trailing zeroes.
        let i = this.vtable_in_use - 1;
        // eslint-disable-next-line no-empty
        for (; i >= 0 && this.vtable[i] == 0; i--) { }
        const trimmed_size = i + 1;
        // Write out the current vtable.
        for (; i >= 0; i--) {
            // Offset relative to the start of the table.
            this.addInt16(this.vtable[i] != 0 ? vtableloc - this.vtable[i] : 0);
        }
        const standard_fields = 2; // The fields below:
        this.addInt16(vtableloc - this.object_start);
        const len = (trimmed_size + standard_fields) * constants_js_1.SIZEOF_SHORT;
        this.addInt16(len);
        // Search for an existing vtable that matches the current one.
        let existing_vtable = 0;
        const vt1 = this.space;
        outer_loop: for (i = 0; i < this.vtables.length; i++) {
            const vt2 = this.bb.capacity() - this.vtables[i];
            if (len == this.bb.readInt16(vt2)) {
                for (let j = constants_js_1.SIZEOF_SHORT; j < len; j += constants_js_1.SIZEOF_SHORT) {
                    if (this.bb.readInt16(vt1 + j) != this.bb.readInt16(vt2 + j)) {
                        continue outer_loop;
                    }
                }
                existing_vtable = this.vtables[i];
                break;
            }
        }
        if (existing_vtable) {
            // Found a match:
            // Remove the current vtable.
            this.space = this.bb.capacity() - vtableloc;
            // Point table to existing vtable.
            this.bb.writeInt32(this.space, existing_vtable - vtableloc);
        }
        else {
            // No match:
            // Add the location of the current vtable to the list of vtables.
            this.vtables.push(this.offset());
            // Point table to current vtable.
            this.bb.writeInt32(this.bb.capacity() - vtableloc, this.offset() - vtableloc);
        }
        this.isNested = false;
        return vtableloc;
    }
    /**
     * Finalize a buffer, poiting to the given `root_table`.
     */
    finish(root_table, opt_file_identifier, opt_size_prefix) {
        const size_prefix = opt_size_prefix ? constants_js_1.SIZE_PREFIX_LENGTH : 0;
        if (opt_file_identifier) {
            const file_identifier = opt_file_identifier;
            this.prep(this.minalign, constants_js_1.SIZEOF_INT + constants_js_1.FILE_IDENTIFIER_LENGTH + size_prefix);
            if (file_identifier.length != constants_js_1.FILE_IDENTIFIER_LENGTH) {
                throw new TypeError('FlatBuffers: file identifier must be length ' +
                    constants_js_1.FILE_IDENTIFIER_LENGTH);
            }
            for (let i = constants_js_1.FILE_IDENTIFIER_LENGTH - 1; i >= 0; i--) {
                this.writeInt8(file_identifier.charCodeAt(i));
            }
        }
        this.prep(this.minalign, constants_js_1.SIZEOF_INT + size_prefix);
        this.addOffset(root_table);
        if (size_prefix) {
            this.addInt32(this.bb.capacity() - this.space);
        }
        this.bb.setPosition(this.space);
    }
    /**
     * Finalize a size prefixed buffer, pointing to the given `root_table`.
     */
    finishSizePrefixed(root_table, opt_file_identifier) {
        this.finish(root_table, opt_file_identifier, true);
    }
    /**
     * This checks a required field has been set in a given table that has
     * just been constructed.
     */
    requiredField(table, field) {
        const table_start = this.bb.capacity() - table;
        const vtable_start = table_start - this.bb.readInt32(table_start);
        const ok = field < this.bb.readInt16(vtable_start) &&
            this.bb.readInt16(vtable_start + field) != 0;
        // If this fails, the caller will show what field needs to be set.
        if (!ok) {
            throw new TypeError('FlatBuffers: field ' + field + ' must be set');
        }
    }
    /**
     * Start a new array/vector of objects.  Users usually will not call
     * this directly. The FlatBuffers compiler will create a start/end
     * method for vector types in generated code.
     *
     * @param elem_size The size of each element in the array
     * @param num_elems The number of elements in the array
     * @param alignment The alignment of the array
     */
    startVector(elem_size, num_elems, alignment) {
        this.notNested();
        this.vector_num_elems = num_elems;
        this.prep(constants_js_1.SIZEOF_INT, elem_size * num_elems);
        this.prep(alignment, elem_size * num_elems); // Just in case alignment > int.
    }
    /**
     * Finish off the creation of an array and all its elements. The array must be
     * created with `startVector`.
     *
     * @returns The offset at which the newly created array
     * starts.
     */
    endVector() {
        this.writeInt32(this.vector_num_elems);
        return this.offset();
    }
    /**
     * Encode the string `s` in the buffer using UTF-8. If the string passed has
     * already been seen, we return the offset of the already written string
     *
     * @param s The string to encode
     * @return The offset in the buffer where the encoded string starts
     */
    createSharedString(s) {
        if (!s) {
            return 0;
        }
        if (!this.string_maps) {
            this.string_maps = new Map();
        }
        if (this.string_maps.has(s)) {
            return this.string_maps.get(s);
        }
        const offset = this.createString(s);
        this.string_maps.set(s, offset);
        return offset;
    }
    /**
     * Encode the string `s` in the buffer using UTF-8. If a Uint8Array is passed
     * instead of a string, it is assumed to contain valid UTF-8 encoded data.
     *
     * @param s The string to encode
     * @return The offset in the buffer where the encoded string starts
     */
    createString(s) {
        if (s === null || s === undefined) {
            return 0;
        }
        let utf8;
        if (s instanceof Uint8Array) {
            utf8 = s;
        }
        else {
            utf8 = this.text_encoder.encode(s);
        }
        this.addInt8(0);
        this.startVector(1, utf8.length, 1);
        this.bb.setPosition((this.space -= utf8.length));
        this.bb.bytes().set(utf8, this.space);
        return this.endVector();
    }
    /**
     * Create a byte vector.
     *
     * @param v The bytes to add
     * @returns The offset in the buffer where the byte vector starts
     */
    createByteVector(v) {
        if (v === null || v === undefined) {
            return 0;
        }
        this.startVector(1, v.length, 1);
        this.bb.setPosition((this.space -= v.length));
        this.bb.bytes().set(v, this.space);
        return this.endVector();
    }
    /**
     * A helper function to pack an object
     *
     * @returns offset of obj
     */
    createObjectOffset(obj) {
        if (obj === null) {
            return 0;
        }
        if (typeof obj === 'string') {
            return this.createString(obj);
        }
        else {
            return obj.pack(this);
        }
    }
    /**
     * A helper function to pack a list of object
     *
     * @returns list of offsets of each non null object
     */
    createObjectOffsetList(list) {
        const ret = [];
        for (let i = 0; i < list.length; ++i) {
            const val = list[i];
            if (val !== null) {
                ret.push(this.createObjectOffset(val));
            }
            else {
                throw new TypeError('FlatBuffers: Argument for createObjectOffsetList cannot contain null.');
            }
        }
        return ret;
    }
    createStructOffsetList(list, startFunc) {
        startFunc(this, list.length);
        this.createObjectOffsetList(list.slice().reverse());
        return this.endVector();
    }
}
exports.Builder = Builder;


/***/ }),

/***/ 503:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.ByteBuffer = void 0;
const constants_js_1 = __nccwpck_require__(957);
const encoding_js_1 = __nccwpck_require__(631);
const utils_js_1 = __nccwpck_require__(321);
class ByteBuffer {
    /**
     * Create a new ByteBuffer with a given array of bytes (`Uint8Array`)
     */
    constructor(bytes_) {
        this.bytes_ = bytes_;
        this.position_ = 0;
        this.text_decoder_ = new TextDecoder();
    }
    /**
     * Create and allocate a new ByteBuffer with a given size.
     */
    static allocate(byte_size) {
        return new ByteBuffer(new Uint8Array(byte_size));
    }
    clear() {
        this.position_ = 0;
    }
    /**
     * Get the underlying `Uint8Array`.
     */
    bytes() {
        return this.bytes_;
    }
    /**
     * Get the buffer's position.
     */
    position() {
        return this.position_;
    }
    /**
     * Set the buffer's position.
     */
    setPosition(position) {
        this.position_ = position;
    }
    /**
     * Get the buffer's capacity.
     */
    capacity() {
        return this.bytes_.length;
    }
    readInt8(offset) {
        return (this.readUint8(offset) << 24) >> 24;
    }
    readUint8(offset) {
        return this.bytes_[offset];
    }
    readInt16(offset) {
        return (this.readUint16(offset) << 16) >> 16;
    }
    readUint16(offset) {
        return this.bytes_[offset] | (this.bytes_[offset + 1] << 8);
    }
    readInt32(offset) {
        return (this.bytes_[offset] |
            (this.bytes_[offset + 1] << 8) |
            (this.bytes_[offset + 2] << 16) |
            (this.bytes_[offset + 3] << 24));
    }
    readUint32(offset) {
        return this.readInt32(offset) >>> 0;
    }
    readInt64(offset) {
        return BigInt.asIntN(64, BigInt(this.readUint32(offset)) +
            (BigInt(this.readUint32(offset + 4)) << BigInt(32)));
    }
    readUint64(offset) {
        return BigInt.asUintN(64, BigInt(this.readUint32(offset)) +
            (BigInt(this.readUint32(offset + 4)) << BigInt(32)));
    }
    readFloat32(offset) {
        utils_js_1.int32[0] = this.readInt32(offset);
        return utils_js_1.float32[0];
    }
    readFloat64(offset) {
        utils_js_1.int32[utils_js_1.isLittleEndian ? 0 : 1] = this.readInt32(offset);
        utils_js_1.int32[utils_js_1.isLittleEndian ? 1 : 0] = this.readInt32(offset + 4);
        return utils_js_1.float64[0];
    }
    writeInt8(offset, value) {
        this.bytes_[offset] = value;
    }
    writeUint8(offset, value) {
        this.bytes_[offset] = value;
    }
    writeInt16(offset, value) {
        this.bytes_[offset] = value;
        this.bytes_[offset + 1] = value >> 8;
    }
    writeUint16(offset, value) {
        this.bytes_[offset] = value;
        this.bytes_[offset + 1] = value >> 8;
    }
    writeInt32(offset, value) {
        this.bytes_[offset] = value;
        this.bytes_[offset + 1] = value >> 8;
        this.bytes_[offset + 2] = value >> 16;
        this.bytes_[offset + 3] = value >> 24;
    }
    writeUint32(offset, value) {
        this.bytes_[offset] = value;
        this.bytes_[offset + 1] = value >> 8;
        this.bytes_[offset + 2] = value >> 16;
        this.bytes_[offset + 3] = value >> 24;
    }
    writeInt64(offset, value) {
        this.writeInt32(offset, Number(BigInt.asIntN(32, value)));
        this.writeInt32(offset + 4, Number(BigInt.asIntN(32, value >> BigInt(32))));
    }
    writeUint64(offset, value) {
        this.writeUint32(offset, Number(BigInt.asUintN(32, value)));
        this.writeUint32(offset + 4, Number(BigInt.asUintN(32, value >> BigInt(32))));
    }
    writeFloat32(offset, value) {
        utils_js_1.float32[0] = value;
        this.writeInt32(offset, utils_js_1.int32[0]);
    }
    writeFloat64(offset, value) {
        utils_js_1.float64[0] = value;
        this.writeInt32(offset, utils_js_1.int32[utils_js_1.isLittleEndian ? 0 : 1]);
        this.writeInt32(offset + 4, utils_js_1.int32[utils_js_1.isLittleEndian ? 1 : 0]);
    }
    /**
     * Return the file identifier.   Behavior is undefined for FlatBuffers whose
     * schema does not include a file_identifier (likely points at padding or the
     * start of a the root vtable).
     */
    getBufferIdentifier() {
        if (this.bytes_.length <
            this.position_ + constants_js_1.SIZEOF_INT + constants_js_1.FILE_IDENTIFIER_LENGTH) {
            throw new Error('FlatBuffers: ByteBuffer is too short to contain an identifier.');
        }
        let result = '';
        for (let i = 0; i < constants_js_1.FILE_IDENTIFIER_LENGTH; i++) {
            result += String.fromCharCode(this.readInt8(this.position_ + constants_js_1.SIZEOF_INT + i));
        }
        return result;
    }
    /**
     * Look up a field in the vtable, return an offset into the object, or 0 if the
     * field is not present.
     */
    __offset(bb_pos, vtable_offset) {
        const vtable = bb_pos - this.readInt32(bb_pos);
        return vtable_offset < this.readInt16(vtable)
            ? this.readInt16(vtable + vtable_offset)
            : 0;
    }
    /**
     * Initialize any Table-derived type to point to the union at the given offset.
     */
    __union(t, offset) {
        t.bb_pos = offset + this.readInt32(offset);
        t.bb = this;
        return t;
    }
    /**
     * Create a JavaScript string from UTF-8 data stored inside the FlatBuffer.
     * This allocates a new string and converts to wide chars upon each access.
     *
     * To avoid the conversion to string, pass Encoding.UTF8_BYTES as the
     * "optionalEncoding" argument. This is useful for avoiding conversion when
     * the data will just be packaged back up in another FlatBuffer later on.
     *
     * @param offset
     * @param opt_encoding Defaults to UTF16_STRING
     */
    __string(offset, opt_encoding) {
        offset += this.readInt32(offset);
        const length = this.readInt32(offset);
        offset += constants_js_1.SIZEOF_INT;
        const utf8bytes = this.bytes_.subarray(offset, offset + length);
        if (opt_encoding === encoding_js_1.Encoding.UTF8_BYTES)
            return utf8bytes;
        else
            return this.text_decoder_.decode(utf8bytes);
    }
    /**
     * Handle unions that can contain string as its member, if a Table-derived type then initialize it,
     * if a string then return a new one
     *
     * WARNING: strings are immutable in JS so we can't change the string that the user gave us, this
     * makes the behaviour of __union_with_string different compared to __union
     */
    __union_with_string(o, offset) {
        if (typeof o === 'string') {
            return this.__string(offset);
        }
        return this.__union(o, offset);
    }
    /**
     * Retrieve the relative offset stored at "offset"
     */
    __indirect(offset) {
        return offset + this.readInt32(offset);
    }
    /**
     * Get the start of data of a vector whose offset is stored at "offset" in this object.
     */
    __vector(offset) {
        return offset + this.readInt32(offset) + constants_js_1.SIZEOF_INT; // data starts after the length
    }
    /**
     * Get the length of a vector whose offset is stored at "offset" in this object.
     */
    __vector_len(offset) {
        return this.readInt32(offset + this.readInt32(offset));
    }
    __has_identifier(ident) {
        if (ident.length != constants_js_1.FILE_IDENTIFIER_LENGTH) {
            throw new Error('FlatBuffers: file identifier must be length ' + constants_js_1.FILE_IDENTIFIER_LENGTH);
        }
        for (let i = 0; i < constants_js_1.FILE_IDENTIFIER_LENGTH; i++) {
            if (ident.charCodeAt(i) != this.readInt8(this.position() + constants_js_1.SIZEOF_INT + i)) {
                return false;
            }
        }
        return true;
    }
    /**
     * A helper function for generating list for obj api
     */
    createScalarList(listAccessor, listLength) {
        const ret = [];
        for (let i = 0; i < listLength; ++i) {
            const val = listAccessor(i);
            if (val !== null) {
                ret.push(val);
            }
        }
        return ret;
    }
    /**
     * A helper function for generating list for obj api
     * @param listAccessor function that accepts an index and return data at that index
     * @param listLength listLength
     * @param res result list
     */
    createObjList(listAccessor, listLength) {
        const ret = [];
        for (let i = 0; i < listLength; ++i) {
            const val = listAccessor(i);
            if (val !== null) {
                ret.push(val.unpack());
            }
        }
        return ret;
    }
}
exports.ByteBuffer = ByteBuffer;


/***/ }),

/***/ 957:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.SIZE_PREFIX_LENGTH = exports.FILE_IDENTIFIER_LENGTH = exports.SIZEOF_INT = exports.SIZEOF_SHORT = void 0;
exports.SIZEOF_SHORT = 2;
exports.SIZEOF_INT = 4;
exports.FILE_IDENTIFIER_LENGTH = 4;
exports.SIZE_PREFIX_LENGTH = 4;


/***/ }),

/***/ 631:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.Encoding = void 0;
var Encoding;
(function (Encoding) {
    Encoding[Encoding["UTF8_BYTES"] = 1] = "UTF8_BYTES";
    Encoding[Encoding["UTF16_STRING"] = 2] = "UTF16_STRING";
})(Encoding || (exports.Encoding = Encoding = {}));


/***/ }),

/***/ 558:
/***/ ((__unused_webpack_module, exports, __nccwpck_require__) => {

var __webpack_unused_export__;

__webpack_unused_export__ = ({ value: true });
__webpack_unused_export__ = exports.$F = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = __webpack_unused_export__ = void 0;
var constants_js_1 = __nccwpck_require__(957);
__webpack_unused_export__ = ({ enumerable: true, get: function () { return constants_js_1.FILE_IDENTIFIER_LENGTH; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return constants_js_1.SIZEOF_INT; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return constants_js_1.SIZEOF_SHORT; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return constants_js_1.SIZE_PREFIX_LENGTH; } });
var utils_js_1 = __nccwpck_require__(321);
__webpack_unused_export__ = ({ enumerable: true, get: function () { return utils_js_1.float32; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return utils_js_1.float64; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return utils_js_1.int32; } });
__webpack_unused_export__ = ({ enumerable: true, get: function () { return utils_js_1.isLittleEndian; } });
var builder_js_1 = __nccwpck_require__(71);
__webpack_unused_export__ = ({ enumerable: true, get: function () { return builder_js_1.Builder; } });
var byte_buffer_js_1 = __nccwpck_require__(503);
Object.defineProperty(exports, "$F", ({ enumerable: true, get: function () { return byte_buffer_js_1.ByteBuffer; } }));
var encoding_js_1 = __nccwpck_require__(631);
__webpack_unused_export__ = ({ enumerable: true, get: function () { return encoding_js_1.Encoding; } });


/***/ }),

/***/ 321:
/***/ ((__unused_webpack_module, exports) => {


Object.defineProperty(exports, "__esModule", ({ value: true }));
exports.isLittleEndian = exports.float64 = exports.float32 = exports.int32 = void 0;
exports.int32 = new Int32Array(2);
exports.float32 = new Float32Array(exports.int32.buffer);
exports.float64 = new Float64Array(exports.int32.buffer);
exports.isLittleEndian = new Uint16Array(new Uint8Array([1, 0]).buffer)[0] === 1;


/***/ })

/******/ });
/************************************************************************/
/******/ // The module cache
/******/ var __webpack_module_cache__ = {};
/******/ 
/******/ // The require function
/******/ function __nccwpck_require__(moduleId) {
/******/ 	// Check if module is in cache
/******/ 	var cachedModule = __webpack_module_cache__[moduleId];
/******/ 	if (cachedModule !== undefined) {
/******/ 		return cachedModule.exports;
/******/ 	}
/******/ 	// Create a new module (and put it into the cache)
/******/ 	var module = __webpack_module_cache__[moduleId] = {
/******/ 		// no module.id needed
/******/ 		// no module.loaded needed
/******/ 		exports: {}
/******/ 	};
/******/ 
/******/ 	// Execute the module function
/******/ 	var threw = true;
/******/ 	try {
/******/ 		__webpack_modules__[moduleId](module, module.exports, __nccwpck_require__);
/******/ 		threw = false;
/******/ 	} finally {
/******/ 		if(threw) delete __webpack_module_cache__[moduleId];
/******/ 	}
/******/ 
/******/ 	// Return the exports of the module
/******/ 	return module.exports;
/******/ }
/******/ 
/************************************************************************/
/******/ /* webpack/runtime/asset-relocator-loader */
/******/ if (typeof __nccwpck_require__ !== 'undefined') __nccwpck_require__.ab = decodeURIComponent(new URL('.', import.meta.url).pathname).slice(import.meta.url.match(/^file:\/\/\/\w:/) ? 1 : 0, -1) + "/";
/******/ 
/************************************************************************/
var __webpack_exports__ = {};

;// CONCATENATED MODULE: external "node:worker_threads"
const external_node_worker_threads_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:worker_threads");
;// CONCATENATED MODULE: ./lib/ir/dtype.js
/**
 * Element types of the IR: every ONNX tensor type (onnx.proto TensorProto.DataType), named as the
 * project speaks of them. The ONNX code of each is a fact of the spec and is used only by the ONNX format.
 */
const DTYPES = {
    float32: { onnx: 1, bits: 32 },
    uint8: { onnx: 2, bits: 8 },
    int8: { onnx: 3, bits: 8 },
    uint16: { onnx: 4, bits: 16 },
    int16: { onnx: 5, bits: 16 },
    int32: { onnx: 6, bits: 32 },
    int64: { onnx: 7, bits: 64 },
    string: { onnx: 8, bits: 0 },
    bool: { onnx: 9, bits: 8 },
    float16: { onnx: 10, bits: 16 },
    float64: { onnx: 11, bits: 64 },
    uint32: { onnx: 12, bits: 32 },
    uint64: { onnx: 13, bits: 64 },
    complex64: { onnx: 14, bits: 64 },
    complex128: { onnx: 15, bits: 128 },
    bfloat16: { onnx: 16, bits: 16 },
    float8e4m3fn: { onnx: 17, bits: 8 },
    float8e4m3fnuz: { onnx: 18, bits: 8 },
    float8e5m2: { onnx: 19, bits: 8 },
    float8e5m2fnuz: { onnx: 20, bits: 8 },
    uint4: { onnx: 21, bits: 4 },
    int4: { onnx: 22, bits: 4 },
    float4e2m1: { onnx: 23, bits: 4 },
    float8e8m0: { onnx: 24, bits: 8 },
    uint2: { onnx: 25, bits: 2 },
    int2: { onnx: 26, bits: 2 },
};
const BY_ONNX = new Map(Object.keys(DTYPES).map((name) => [DTYPES[name].onnx, name]));
function dtypeFromOnnx(code) {
    return BY_ONNX.get(code);
}
function onnxCode(dtype) {
    return DTYPES[dtype].onnx;
}
const ARRAY_OF = {
    float32: Float32Array,
    float64: Float64Array,
    int8: Int8Array,
    uint8: Uint8Array,
    int16: Int16Array,
    uint16: Uint16Array,
    int32: Int32Array,
    uint32: Uint32Array,
    int64: BigInt64Array,
    uint64: BigUint64Array,
    bool: Uint8Array,
    // 16-bit floats are kept as their bit patterns.
    float16: Uint16Array,
    bfloat16: Uint16Array,
    // complex numbers as interleaved (re, im) pairs.
    complex64: Float32Array,
    complex128: Float64Array,
    // 8-bit floats as their bit patterns.
    float8e4m3fn: Uint8Array,
    float8e4m3fnuz: Uint8Array,
    float8e5m2: Uint8Array,
    float8e5m2fnuz: Uint8Array,
    float8e8m0: Uint8Array,
};
function arrayTypeOf(dtype) {
    return ARRAY_OF[dtype];
}
/** Elements per value in the backing array (2 for complex types). */
function lanesOf(dtype) {
    return dtype === 'complex64' || dtype === 'complex128' ? 2 : 1;
}
/** Sub-byte types (int4, uint4, float4e2m1, int2, uint2) are stored packed, low bits first, as in ONNX. */
function isPacked(dtype) {
    return DTYPES[dtype].bits < 8 && dtype !== 'string';
}
/** Bytes needed for `count` elements of `dtype` (packed types round up). */
function byteLength(dtype, count) {
    const bits = DTYPES[dtype].bits;
    return Math.ceil((bits * count) / 8);
}
function dtype_isFloat(dtype) {
    return dtype === 'float32' || dtype === 'float64' || dtype === 'float16' || dtype === 'bfloat16';
}
//# sourceMappingURL=dtype.js.map
;// CONCATENATED MODULE: ./lib/ir/float16.js
// IEEE 754 binary16 and bfloat16 conversions. Written out rather than taken from a package: they are a
// few lines, on the hot path of weight import, and must round to nearest-even exactly as TFLite does.
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
function float16ToFloat32(h) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0)
        return sign * frac * 2 ** -24;
    if (exp === 31)
        return frac ? NaN : sign * Infinity;
    return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
function float32ToFloat16(value) {
    f32[0] = value;
    const x = u32[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff)
        return sign | 0x7c00 | (mant ? 0x200 : 0);
    let e = exp - 127 + 15;
    if (e >= 31)
        return sign | 0x7c00;
    if (e <= 0) {
        if (e < -10)
            return sign;
        mant |= 0x800000;
        const shift = 14 - e;
        const half = 1 << (shift - 1);
        let m = mant >> shift;
        const rest = mant & ((1 << shift) - 1);
        if (rest > half || (rest === half && m & 1))
            m++;
        return sign | m;
    }
    let m = mant >> 13;
    const rest = mant & 0x1fff;
    if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
        m++;
        if (m === 0x400) {
            m = 0;
            e++;
            if (e >= 31)
                return sign | 0x7c00;
        }
    }
    return sign | (e << 10) | m;
}
function bfloat16ToFloat32(b) {
    u32[0] = b << 16;
    return f32[0];
}
//# sourceMappingURL=float16.js.map
;// CONCATENATED MODULE: ./lib/ir/tensor.js


/**
 * A constant tensor. `data` holds one element per array slot (two for complex types); sub-byte types
 * (int4, uint4, ...) hold their packed bytes; strings are JS strings. Tensors are immutable by
 * convention: passes make new ones, so weights are shared between graphs without copies.
 */
class tensor_Tensor {
    dtype;
    dims;
    data;
    /** Set on quantized constants (int8 weights, int32 biases). */
    quant;
    /** Anything ONNX-specific the IR does not use (doc string, metadata), kept for a lossless write. */
    extra;
    constructor(dtype, dims, data) {
        this.dtype = dtype;
        this.dims = dims;
        this.data = data;
        const expected = expectedLength(dtype, tensor_elementCount(dims));
        if (data.length !== expected) {
            throw new RangeError(`tensor of ${dtype}[${dims.join(',')}] needs ${expected} values, got ${data.length}`);
        }
    }
    get size() {
        return tensor_elementCount(this.dims);
    }
    /** Values as float32, converting integer and half-precision types. */
    toFloat32() {
        const d = this.data;
        if (d instanceof Float32Array && this.dtype === 'float32')
            return d;
        if (this.dtype === 'float16')
            return mapFloat(d, float16ToFloat32);
        if (this.dtype === 'bfloat16')
            return mapFloat(d, bfloat16ToFloat32);
        if (Array.isArray(d) ||
            isPacked(this.dtype) ||
            this.dtype.startsWith('float8') ||
            lanesOf(this.dtype) > 1) {
            throw new TypeError(`cannot read a ${this.dtype} tensor as float32`);
        }
        const out = new Float32Array(d.length);
        for (let i = 0; i < d.length; i++)
            out[i] = Number(d[i]);
        return out;
    }
    /** Values as plain numbers (int64 converted; exact up to 2^53). */
    toNumbers() {
        const d = this.data;
        if (Array.isArray(d))
            throw new TypeError('string tensor has no numbers');
        if (this.dtype === 'float16' || this.dtype === 'bfloat16')
            return Array.from(this.toFloat32());
        return Array.from(d, (v) => Number(v));
    }
    static float32(dims, values) {
        return new tensor_Tensor('float32', dims, values instanceof Float32Array ? values : Float32Array.from(values));
    }
    static int64(dims, values) {
        return new tensor_Tensor('int64', dims, BigInt64Array.from(values, (v) => BigInt(v)));
    }
    static int32(dims, values) {
        return new tensor_Tensor('int32', dims, Int32Array.from(values));
    }
    static float16FromFloat32(dims, values) {
        const bits = new Uint16Array(values.length);
        for (let i = 0; i < values.length; i++)
            bits[i] = float32ToFloat16(values[i]);
        return new tensor_Tensor('float16', dims, bits);
    }
    /**
     * A tensor over raw little-endian bytes. The typed array views `bytes` without a copy when its offset
     * is aligned for the element type, and copies otherwise.
     */
    static fromBytes(dtype, dims, bytes) {
        const count = tensor_elementCount(dims);
        const need = byteLength(dtype, count);
        if (bytes.byteLength !== need) {
            throw new RangeError(`${dtype}[${dims.join(',')}] needs ${need} bytes, got ${bytes.byteLength}`);
        }
        if (dtype === 'string')
            throw new TypeError('string tensors have no raw bytes');
        if (isPacked(dtype))
            return new tensor_Tensor(dtype, dims, bytes);
        const Ctor = arrayTypeOf(dtype);
        const n = count * lanesOf(dtype);
        if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) {
            return new tensor_Tensor(dtype, dims, new Ctor(bytes.buffer, bytes.byteOffset, n));
        }
        const copy = new Uint8Array(bytes);
        return new tensor_Tensor(dtype, dims, new Ctor(copy.buffer, 0, n));
    }
    /** The little-endian bytes of the data (a view when possible). */
    bytes() {
        const d = this.data;
        if (Array.isArray(d))
            throw new TypeError('string tensors have no raw bytes');
        return new Uint8Array(d.buffer, d.byteOffset, isPacked(this.dtype) ? d.length : d.byteLength);
    }
}
function tensor_elementCount(dims) {
    let n = 1;
    for (const d of dims)
        n *= d;
    return n;
}
function expectedLength(dtype, count) {
    if (isPacked(dtype))
        return byteLength(dtype, count);
    return count * lanesOf(dtype);
}
function mapFloat(src, f) {
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++)
        out[i] = f(src[i]);
    return out;
}
/** Element-wise equality of two tensors (type, shape and values; NaN equals NaN bit for bit). */
function tensorsEqual(a, b) {
    if (a.dtype !== b.dtype || a.dims.length !== b.dims.length)
        return false;
    if (a.dims.some((d, i) => d !== b.dims[i]))
        return false;
    if (Array.isArray(a.data) || Array.isArray(b.data)) {
        return (Array.isArray(a.data) && Array.isArray(b.data) && a.data.every((s, i) => s === b.data[i]));
    }
    const x = a.bytes();
    const y = b.bytes();
    if (x.length !== y.length)
        return false;
    return Buffer.from(x.buffer, x.byteOffset, x.length).equals(Buffer.from(y.buffer, y.byteOffset, y.length));
}
//# sourceMappingURL=tensor.js.map
;// CONCATENATED MODULE: external "node:fs"
const external_node_fs_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:fs");
;// CONCATENATED MODULE: external "node:module"
const external_node_module_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:module");
;// CONCATENATED MODULE: external "node:path"
const external_node_path_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:path");
;// CONCATENATED MODULE: external "node:vm"
const external_node_vm_namespaceObject = __WEBPACK_EXTERNAL_createRequire(import.meta.url)("node:vm");
;// CONCATENATED MODULE: ./node_modules/@litertjs/core/dist/index.js
// src/wasm_binding_types.ts
var ElementType = {
  NONE: 0,
  FLOAT32: 1,
  INT32: 2,
  UINT8: 3,
  INT64: 4,
  STRING: 5,
  BOOL: 6,
  INT16: 7,
  COMPLEX64: 8,
  INT8: 9,
  FLOAT16: 10,
  FLOAT64: 11,
  COMPLEX128: 12,
  UINT64: 13,
  RESOURCE: 14,
  VARIANT: 15,
  UINT32: 16,
  UINT16: 17,
  INT4: 18,
  BFLOAT16: 19
};
var ElementTypeName = {
  [ElementType.NONE]: "NONE",
  [ElementType.FLOAT32]: "FLOAT32",
  [ElementType.INT32]: "INT32",
  [ElementType.UINT8]: "UINT8",
  [ElementType.INT64]: "INT64",
  [ElementType.STRING]: "STRING",
  [ElementType.BOOL]: "BOOL",
  [ElementType.INT16]: "INT16",
  [ElementType.COMPLEX64]: "COMPLEX64",
  [ElementType.INT8]: "INT8",
  [ElementType.FLOAT16]: "FLOAT16",
  [ElementType.FLOAT64]: "FLOAT64",
  [ElementType.COMPLEX128]: "COMPLEX128",
  [ElementType.UINT64]: "UINT64",
  [ElementType.RESOURCE]: "RESOURCE",
  [ElementType.VARIANT]: "VARIANT",
  [ElementType.UINT32]: "UINT32",
  [ElementType.UINT16]: "UINT16",
  [ElementType.INT4]: "INT4",
  [ElementType.BFLOAT16]: "BFLOAT16"
};
var TensorBufferType = {
  HOST_MEMORY: 1,
  WEB_GPU_BUFFER: 20,
  WEB_GPU_BUFFER_FP16: 21,
  WEB_GPU_BUFFER_PACKED: 26
};
var TensorBufferTypeName = {
  [TensorBufferType.HOST_MEMORY]: "HOST_MEMORY",
  [TensorBufferType.WEB_GPU_BUFFER]: "WEB_GPU_BUFFER",
  [TensorBufferType.WEB_GPU_BUFFER_FP16]: "WEB_GPU_BUFFER_FP16",
  [TensorBufferType.WEB_GPU_BUFFER_PACKED]: "WEB_GPU_BUFFER_PACKED"
};

// src/datatypes.ts
var DATATYPES = Object.freeze([
  {
    dtype: "float32",
    typedArrayConstructor: Float32Array,
    elementType: ElementType.FLOAT32
  },
  {
    dtype: "int32",
    typedArrayConstructor: Int32Array,
    elementType: ElementType.INT32
  },
  {
    dtype: "uint8",
    typedArrayConstructor: Uint8Array,
    elementType: ElementType.UINT8
  }
]);
function getDataType(val) {
  for (const dataTypeMapping of DATATYPES) {
    if (dataTypeMapping.dtype === val || dataTypeMapping.typedArrayConstructor === val || val instanceof dataTypeMapping.typedArrayConstructor || dataTypeMapping.elementType === val) {
      return dataTypeMapping;
    }
  }
  if (typeof val === "string") {
    throw new Error(`DType ${val} is not supported.`);
  } else if (val instanceof Object) {
    throw new Error(`Typed array ${"name" in val ? val.name : val.constructor.name} is not supported.`);
  } else {
    throw new Error(
      `Element type ${ElementTypeName[val] ?? val} is not supported.`
    );
  }
}

// src/global_litert.ts
var LiteRtNotLoadedError = class extends Error {
  constructor() {
    super(
      "LiteRT is not initialized yet. Please call loadLiteRt() and wait for its promise to resolve to load the LiteRT WASM module."
    );
  }
};
var globalLiteRt = void 0;
var globalLiteRtPromise = void 0;
function getGlobalLiteRt() {
  if (!globalLiteRt) {
    throw new LiteRtNotLoadedError();
  }
  return globalLiteRt;
}
function hasGlobalLiteRt() {
  return Boolean(globalLiteRt);
}
function setGlobalLiteRt(liteRt) {
  globalLiteRt = liteRt;
}
function getGlobalLiteRtPromise() {
  return globalLiteRtPromise;
}
function hasGlobalLiteRtPromise() {
  return Boolean(globalLiteRtPromise);
}
function setGlobalLiteRtPromise(promise) {
  globalLiteRtPromise = promise;
}

// src/accelerator_types.ts
var AcceleratorDefaultTensorBufferType = {
  "webgpu": TensorBufferType.WEB_GPU_BUFFER_PACKED,
  "wasm": TensorBufferType.HOST_MEMORY
};
var TensorBufferTypeToAccelerator = {
  [TensorBufferType.HOST_MEMORY]: "wasm",
  [TensorBufferType.WEB_GPU_BUFFER]: "webgpu",
  [TensorBufferType.WEB_GPU_BUFFER_FP16]: "webgpu",
  [TensorBufferType.WEB_GPU_BUFFER_PACKED]: "webgpu"
};

// src/environment.ts
var DESIRED_WEBGPU_FEATURES = [
  "shader-f16",
  "subgroups"
];
var Environment = class _Environment {
  constructor(options) {
    this.options = options;
    this.liteRtEnvironment = getGlobalLiteRt().liteRtWasm.LiteRtEnvironment.create(
      options.webGpuDevice
    );
  }
  liteRtEnvironment;
  static async create(options = {}) {
    let webGpuDevice = null;
    if ("webGpuDevice" in options) {
      if (options.webGpuDevice) {
        webGpuDevice = options.webGpuDevice;
      }
    } else {
      try {
        webGpuDevice = await createDefaultWebGpuDevice();
      } catch (e) {
        console.warn("Failed to create default WebGPU device:", e);
      }
    }
    return new _Environment({
      ...options,
      webGpuDevice
    });
  }
  get webGpuDevice() {
    return this.options.webGpuDevice;
  }
  delete() {
    this.liteRtEnvironment.delete();
  }
};
async function createDefaultWebGpuDevice() {
  const adapterDescriptor = {
    powerPreference: "high-performance"
  };
  const adapter = await navigator.gpu.requestAdapter(adapterDescriptor);
  if (!adapter) {
    throw new Error("No GPU adapter found.");
  }
  const requiredLimits = {
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    maxStorageBuffersPerShaderStage: adapter.limits.maxStorageBuffersPerShaderStage,
    maxTextureDimension2D: adapter.limits.maxTextureDimension2D
  };
  const requiredFeatures = [];
  for (const feature of DESIRED_WEBGPU_FEATURES) {
    if (adapter.features.has(feature)) {
      requiredFeatures.push(feature);
    }
  }
  return await adapter.requestDevice({
    requiredFeatures,
    requiredLimits
  });
}

// src/wasm_utils.ts
function emscriptenVectorToArray(vector) {
  const array = new Array(vector.size());
  for (let i = 0; i < vector.size(); ++i) {
    array[i] = vector.get(i);
  }
  vector.delete();
  return array;
}
function fillEmscriptenVector(data, vector) {
  for (const item of data) {
    vector.push_back(item);
  }
}

// src/tensor.ts
function parseData(remainingArgs) {
  const data = remainingArgs.shift();
  const liteRtWasm = getGlobalLiteRt().liteRtWasm;
  if (data instanceof liteRtWasm.LiteRtTensorBuffer) {
    return { liteRtTensorBuffer: data };
  } else if (ArrayBuffer.isView(data)) {
    return { typedArray: data };
  } else if (data instanceof GPUBuffer) {
    return { gpuBuffer: data };
  } else {
    throw new Error(
      `Unknown type (${data?.constructor.name ?? data}) provided to create a Tensor`
    );
  }
}
function parseShape(remainingArgs) {
  if (Array.isArray(remainingArgs[0]) || remainingArgs[0] instanceof Int32Array) {
    return { shape: remainingArgs.shift() };
  } else {
    return {};
  }
}
function shiftUntilDefined(remainingArgs) {
  while (remainingArgs.length > 0 && remainingArgs[0] === void 0) {
    remainingArgs.shift();
  }
}
function parseDataType(remainingArgs) {
  shiftUntilDefined(remainingArgs);
  if (typeof remainingArgs[0] === "string") {
    const dtype = remainingArgs.shift();
    return { dataType: getDataType(dtype).dtype };
  } else {
    return {};
  }
}
function parseEnvironment(remainingArgs) {
  shiftUntilDefined(remainingArgs);
  if (remainingArgs[0] instanceof Environment) {
    return { environment: remainingArgs.shift() };
  } else {
    return {};
  }
}
function parseOnDelete(remainingArgs) {
  shiftUntilDefined(remainingArgs);
  if (remainingArgs[0] instanceof Function) {
    return { onDelete: remainingArgs.shift() };
  } else {
    return {};
  }
}
function parseArgs(args) {
  return {
    ...parseData(args),
    ...parseShape(args),
    ...parseDataType(args),
    ...parseEnvironment(args),
    ...parseOnDelete(args)
  };
}
var dist_Tensor = class _Tensor {
  liteRtTensorBuffer;
  type;
  environment;
  deletedInternal = false;
  onDelete;
  static copyFunctions = /* @__PURE__ */ new Map();
  constructor(a, b, c, d, e) {
    const {
      typedArray,
      gpuBuffer,
      liteRtTensorBuffer,
      shape,
      dataType,
      environment,
      onDelete
    } = parseArgs([a, b, c, d, e]);
    this.onDelete = onDelete;
    this.environment = environment ?? getGlobalLiteRt().getDefaultEnvironment();
    if (liteRtTensorBuffer) {
      if (shape) {
        throw new Error(
          "A LiteRtTensorBuffer cannot be provided with a shape."
        );
      }
      if (dataType) {
        throw new Error(
          "A LiteRtTensorBuffer cannot be provided with a data type."
        );
      }
      this.liteRtTensorBuffer = liteRtTensorBuffer;
    } else if (gpuBuffer) {
      if (!shape) {
        throw new Error("A GPUBuffer must be provided with a shape.");
      }
      if (!dataType) {
        throw new Error("A GPUBuffer must be provided with a data type.");
      }
      const [liteRtTensorBuffer2, webGpuBufferPtr] = webGpuBufferToLiteRtTensorBuffer(
        gpuBuffer,
        shape,
        dataType,
        this.environment
      );
      this.liteRtTensorBuffer = liteRtTensorBuffer2;
      const onDelete2 = this.onDelete;
      this.onDelete = () => {
        const liteRtWasm = getGlobalLiteRt().liteRtWasm;
        liteRtWasm.wgpuBufferRelease(webGpuBufferPtr);
        onDelete2?.();
      };
    } else if (typedArray) {
      this.liteRtTensorBuffer = typedArrayToLiteRtTensorBuffer(
        typedArray,
        shape,
        environment
      );
    } else {
      throw new Error("No data provided to create a Tensor.");
    }
    this.type = liteRtTensorBufferToTensorType(this.liteRtTensorBuffer);
  }
  static fromTypedArray(data, shape, environment) {
    return new _Tensor(data, shape, environment);
  }
  ensureNotDeleted() {
    if (this.deleted) {
      throw new Error("Tensor is deleted and cannot be used.");
    }
  }
  async data() {
    this.ensureNotDeleted();
    if (this.liteRtTensorBuffer.bufferType().value === TensorBufferType.HOST_MEMORY) {
      return this.toTypedArray();
    }
    const copy = await this.copyTo("wasm");
    const data = await copy.data();
    copy.delete();
    return data;
  }
  toTypedArray() {
    this.ensureNotDeleted();
    const liteRtWasm = getGlobalLiteRt().liteRtWasm;
    if (this.liteRtTensorBuffer.isWebGpuMemory()) {
      throw new Error(
        "Cannot convert a Tensor with WebGPU memory to a TypedArray."
      );
    }
    if (this.liteRtTensorBuffer.bufferType().value !== liteRtWasm.LiteRtTensorBufferType.HOST_MEMORY.value) {
      throw new Error(
        "Cannot convert a Tensor with non-host memory to a TypedArray."
      );
    }
    if (this.liteRtTensorBuffer.size() !== this.liteRtTensorBuffer.packedSize() || this.liteRtTensorBuffer.offset() !== 0) {
      throw new Error("Tensors with strides or padding are not yet supported.");
    }
    const rankedTensorType = this.liteRtTensorBuffer.tensorType();
    const elementType = rankedTensorType.elementType();
    const byteWidth = liteRtWasm.liteRtGetByteWidth(elementType);
    rankedTensorType.delete();
    const typedArrayConstructor = getDataType(
      elementType.value
    ).typedArrayConstructor;
    if (typedArrayConstructor.BYTES_PER_ELEMENT !== byteWidth) {
      throw new Error(
        `Byte width ${byteWidth} of the tensor's element type ${ElementTypeName[elementType.value]} does not match the expected byte width ${typedArrayConstructor.BYTES_PER_ELEMENT} of the ${typedArrayConstructor.name}.`
      );
    }
    const dataPtr = this.liteRtTensorBuffer.lock(
      getGlobalLiteRt().liteRtWasm.LiteRtTensorBufferLockMode.READ
    );
    try {
      const uint8Array = liteRtWasm.HEAPU8.slice(
        dataPtr,
        dataPtr + this.liteRtTensorBuffer.packedSize()
      );
      const typedArray = new typedArrayConstructor(
        uint8Array.buffer,
        uint8Array.byteOffset,
        uint8Array.byteLength / byteWidth
      );
      return typedArray;
    } finally {
      this.liteRtTensorBuffer.unlock();
    }
  }
  getBufferType() {
    this.ensureNotDeleted();
    return this.liteRtTensorBuffer.bufferType().value;
  }
  /**
   * Returns the underlying GPUBuffer of the Tensor.
   *
   * Note that the lifetime of the returned GPUBuffer is dependant upon how the
   * Tensor was created. If the Tensor was constructed from a GPUBuffer, then
   * the GPUBuffer will NOT be released when the Tensor is deleted. If the
   * Tensor was copied/moved to GPU from host memory, then the GPU buffer will
   * be released when the Tensor is deleted.
   *
   * The GPU buffer may be larger than the actual data in the tensor.
   *
   * @return The GPUBuffer containing the Tensor's data.
   */
  toGpuBuffer() {
    this.ensureNotDeleted();
    const liteRtWasm = getGlobalLiteRt().liteRtWasm;
    if (!this.liteRtTensorBuffer.isWebGpuMemory()) {
      throw new Error(
        "Cannot convert a Tensor with non-WebGPU memory to a GPUBuffer."
      );
    }
    const bufferTypeValue = this.liteRtTensorBuffer.bufferType().value;
    if (bufferTypeValue !== liteRtWasm.LiteRtTensorBufferType.WEB_GPU_BUFFER.value && bufferTypeValue !== liteRtWasm.LiteRtTensorBufferType.WEB_GPU_BUFFER_FP16.value && bufferTypeValue !== liteRtWasm.LiteRtTensorBufferType.WEB_GPU_BUFFER_PACKED.value) {
      throw new Error(
        "Cannot convert a Tensor with host memory to a GPUBuffer."
      );
    }
    if (this.liteRtTensorBuffer.size() !== this.liteRtTensorBuffer.packedSize() || this.liteRtTensorBuffer.offset() !== 0) {
      throw new Error("Tensors with strides or padding are not yet supported.");
    }
    const gpuBufferId = this.liteRtTensorBuffer.getWebGpuBuffer();
    return liteRtWasm.WebGPU.getJsObject(gpuBufferId);
  }
  getCopyFunctionSet(destination) {
    this.ensureNotDeleted();
    const sourceBufferType = this.getBufferType();
    const copyFunctions = _Tensor.copyFunctions.get(sourceBufferType);
    if (!copyFunctions) {
      throw new Error(
        `TensorBufferType ${TensorBufferTypeName[sourceBufferType] ?? sourceBufferType} does not support copying or moving`
      );
    }
    const destinationBufferType = typeof destination === "string" ? AcceleratorDefaultTensorBufferType[destination] : destination;
    if (destinationBufferType == null) {
      throw new Error(
        `Unknown destination '${destination}' for copying or moving.`
      );
    }
    const copyFunctionSet = copyFunctions.get(destinationBufferType);
    if (!copyFunctionSet) {
      const supportedDestinations = [...copyFunctions].map(
        ([key]) => TensorBufferTypeName[key] ?? key
      );
      throw new Error(
        `TensorBufferType ${TensorBufferTypeName[sourceBufferType]} does not support copying or moving to ${TensorBufferTypeName[destinationBufferType]}. It supports the following TensorBufferTypes: [${supportedDestinations.join(
          ", "
        )}].`
      );
    }
    return [copyFunctionSet, destinationBufferType];
  }
  /**
   * Copies the tensor to the given accelerator.
   *
   * @param destination The accelerator or buffer type to copy to.
   * @return A promise that resolves to the copied tensor.
   */
  async copyTo(destination, options) {
    const [copyFunctionSet, destinationBufferType] = this.getCopyFunctionSet(destination);
    if (!copyFunctionSet.copyTo) {
      throw new Error(
        `Copying to ${TensorBufferTypeName[destinationBufferType]} is not supported by this tensor.`
      );
    }
    return copyFunctionSet.copyTo(this, options);
  }
  /**
   * Moves the tensor to the given accelerator.
   *
   * @param destination The accelerator or buffer type to move to.
   * @return A promise that resolves to the moved tensor.
   */
  async moveTo(destination, options) {
    const [copyFunctionSet, destinationBufferType] = this.getCopyFunctionSet(destination);
    if (!copyFunctionSet.moveTo) {
      throw new Error(
        `Moving to ${TensorBufferTypeName[destinationBufferType]} is not supported by this tensor.`
      );
    }
    return copyFunctionSet.moveTo(this, options);
  }
  get bufferType() {
    return this.liteRtTensorBuffer.bufferType().value;
  }
  get accelerator() {
    const accelerator = TensorBufferTypeToAccelerator[this.bufferType];
    if (accelerator === void 0) {
      throw new Error(
        `TensorBufferType ${TensorBufferTypeName[this.bufferType]} has an unknown accelerator type.`
      );
    }
    return accelerator;
  }
  get deleted() {
    return this.deletedInternal;
  }
  delete() {
    if (this.deletedInternal) {
      return;
    }
    this.deletedInternal = true;
    this.liteRtTensorBuffer.delete();
    this.onDelete?.();
  }
};
function liteRtTensorBufferToTensorType(liteRtTensorBuffer) {
  const liteRtRankedTensorType = liteRtTensorBuffer.tensorType();
  const elementType = liteRtRankedTensorType.elementType();
  const liteRtLayout = liteRtRankedTensorType.layout();
  const dimensions = liteRtLayout.dimensions();
  liteRtLayout.delete();
  liteRtRankedTensorType.delete();
  return {
    dtype: getDataType(elementType.value).dtype,
    layout: { dimensions: emscriptenVectorToArray(dimensions) }
  };
}
function webGpuBufferToLiteRtTensorBuffer(gpuBuffer, shape, dtype, environment) {
  const globalLiteRt2 = getGlobalLiteRt();
  const liteRtWasm = globalLiteRt2.liteRtWasm;
  const dimensionsVector = new liteRtWasm.VectorInt32();
  fillEmscriptenVector(shape, dimensionsVector);
  const layout = liteRtWasm.LiteRtLayout.create(dimensionsVector);
  dimensionsVector.delete();
  const rankedTensorType = liteRtWasm.LiteRtRankedTensorType.create(
    { value: getDataType(dtype).elementType },
    layout
  );
  layout.delete();
  const importedGpuBufferPtr = liteRtWasm.WebGPU.importJsBuffer(gpuBuffer);
  const liteRtTensorBuffer = liteRtWasm.LiteRtTensorBuffer.createFromWebGpuBuffer(
    environment.liteRtEnvironment,
    rankedTensorType,
    liteRtWasm.LiteRtTensorBufferType.WEB_GPU_BUFFER_PACKED,
    importedGpuBufferPtr,
    gpuBuffer.size
  );
  rankedTensorType.delete();
  return [liteRtTensorBuffer, importedGpuBufferPtr];
}
function typedArrayToLiteRtTensorBuffer(data, shape, environment) {
  const globalLiteRt2 = getGlobalLiteRt();
  const liteRtWasm = globalLiteRt2.liteRtWasm;
  environment = environment ?? globalLiteRt2.getDefaultEnvironment();
  const elementType = getDataType(data).elementType;
  const dimensionsVector = new liteRtWasm.VectorInt32();
  fillEmscriptenVector(shape ?? [data.length], dimensionsVector);
  const layout = liteRtWasm.LiteRtLayout.create(dimensionsVector);
  dimensionsVector.delete();
  const expectedNumElements = layout.numElements();
  if (data.length !== expectedNumElements) {
    layout.delete();
    throw new Error(
      `Number of elements ${data.length} of the provided TypedArray does not match the expected number of elements ${expectedNumElements}.`
    );
  }
  const rankedTensorType = liteRtWasm.LiteRtRankedTensorType.create(
    { value: elementType },
    layout
  );
  layout.delete();
  const arrayType = data.constructor;
  const bufferSize = arrayType.BYTES_PER_ELEMENT * data.length;
  const expectedBufferSize = rankedTensorType.bytes();
  if (bufferSize !== expectedBufferSize) {
    rankedTensorType.delete();
    throw new Error(
      `Byte length ${bufferSize} of the provided TypedArray does not match the expected buffer size ${expectedBufferSize}.`
    );
  }
  const liteRtTensorBuffer = liteRtWasm.LiteRtTensorBuffer.createManaged(
    environment.liteRtEnvironment,
    liteRtWasm.LiteRtTensorBufferType.HOST_MEMORY,
    rankedTensorType,
    bufferSize
  );
  rankedTensorType.delete();
  const dataPtr = liteRtTensorBuffer.lock(
    liteRtWasm.LiteRtTensorBufferLockMode.WRITE
  );
  try {
    const uint8Data = new Uint8Array(
      data.buffer,
      data.byteOffset,
      data.byteLength
    );
    liteRtWasm.HEAPU8.set(uint8Data, dataPtr);
  } finally {
    liteRtTensorBuffer.unlock();
  }
  return liteRtTensorBuffer;
}

// src/signature_runner.ts
var CompiledModelSignatureRunner = class {
  constructor(signatureIndex, liteRtModel, liteRtCompiledModel, options) {
    this.signatureIndex = signatureIndex;
    this.liteRtModel = liteRtModel;
    this.liteRtCompiledModel = liteRtCompiledModel;
    this.options = options;
    this.liteRtSimpleSignature = liteRtModel.getSignature(signatureIndex);
    const inputNames = emscriptenVectorToArray(this.liteRtSimpleSignature.inputNames());
    const inputDetails = [];
    for (let i = 0; i < inputNames.length; i++) {
      const name = inputNames[i];
      const tensorType = liteRtModel.getInputTensorType(signatureIndex, i);
      const requirements = liteRtCompiledModel.getInputBufferRequirements(signatureIndex, i);
      inputDetails.push(makeTensorDetails(name, i, tensorType, requirements));
    }
    this.inputDetails = Object.freeze(inputDetails);
    const outputNames = emscriptenVectorToArray(this.liteRtSimpleSignature.outputNames());
    const outputDetails = [];
    for (let i = 0; i < outputNames.length; i++) {
      const name = outputNames[i];
      const tensorType = liteRtModel.getOutputTensorType(signatureIndex, i);
      const requirements = liteRtCompiledModel.getOutputBufferRequirements(signatureIndex, i);
      outputDetails.push(makeTensorDetails(name, i, tensorType, requirements));
    }
    this.outputDetails = Object.freeze(outputDetails);
  }
  inputDetails;
  outputDetails;
  liteRtSimpleSignature;
  deletedInternal = false;
  /**
   * The string key corresponding to this signature in the model.
   */
  get key() {
    this.ensureNotDeleted();
    return this.liteRtSimpleSignature.key();
  }
  /**
   * Get details about each input tensor.
   */
  getInputDetails() {
    this.ensureNotDeleted();
    return this.inputDetails;
  }
  /**
   * Get details about each output tensor.
   */
  getOutputDetails() {
    this.ensureNotDeleted();
    return this.outputDetails;
  }
  async run(input) {
    this.ensureNotDeleted();
    const inputArray = this.inputsToArray(input);
    const { inputsOnAccelerator, cleanup } = await this.ensureInputsOnAccelerator(inputArray);
    let outputArray;
    try {
      outputArray = await this.runWithArray(inputsOnAccelerator);
    } finally {
      cleanup();
    }
    if (Array.isArray(input) || input instanceof dist_Tensor) {
      return outputArray;
    } else {
      return this.outputsToRecord(outputArray);
    }
  }
  inputsToArray(input) {
    if (Array.isArray(input)) {
      if (input.length !== this.inputDetails.length) {
        throw new Error(
          `run() called with ${input.length} inputs, but signature expects ${this.inputDetails.length} inputs`
        );
      }
      return input;
    }
    if (input instanceof dist_Tensor) {
      if (this.inputDetails.length !== 1) {
        throw new Error(
          `run() called with a single tensor, but signature expects ${this.inputDetails.length} inputs`
        );
      }
      return [input];
    }
    const inputArray = [];
    for (const inputDetails of this.inputDetails) {
      if (!(inputDetails.name in input)) {
        throw new Error(
          `run() called with input record that is missing input ${inputDetails.name} with index ${inputDetails.index}`
        );
      }
      inputArray.push(input[inputDetails.name]);
    }
    return inputArray;
  }
  outputsToRecord(output) {
    const outputRecord = {};
    for (let i = 0; i < this.outputDetails.length; i++) {
      outputRecord[this.outputDetails[i].name] = output[i];
    }
    return outputRecord;
  }
  /**
   * Ensures that all input tensors are on the correct accelerator. Copies any
   * tensors that are not on the correct accelerator.
   *
   * @param inputs The input tensors to be passed to the signature. They must
   *     be in the same order and quantity as the input details.
   * @return A promise that resolves to a list of input tensors that are on the
   *     correct accelerator, and a cleanup function that deletes any tensors
   *     that were copied.
   */
  async ensureInputsOnAccelerator(inputs) {
    const toDelete = [];
    const inputsOnAccelerator = [];
    const inputDetails = this.getInputDetails();
    if (inputs.length !== inputDetails.length) {
      throw new Error(`ensureInputsOnAccelerator() called with ${inputs.length} inputs, but signature expects ${inputDetails.length} inputs`);
    }
    for (let i = 0; i < inputs.length; i++) {
      const input = inputs[i];
      const bufferType = input.getBufferType();
      const supportedBufferTypes = inputDetails[i].supportedBufferTypes;
      if (supportedBufferTypes.size === 0) {
        throw new Error(`Tensor ${inputDetails[i].name} with index ${inputDetails[i].index} has no supported buffer types.`);
      }
      if (supportedBufferTypes.has(bufferType)) {
        inputsOnAccelerator.push(input);
      } else {
        const newBufferType = supportedBufferTypes.values().next().value;
        const copy = await input.copyTo(newBufferType);
        toDelete.push(copy);
        inputsOnAccelerator.push(copy);
      }
    }
    return {
      inputsOnAccelerator,
      cleanup: () => {
        for (const tensor of toDelete) {
          tensor.delete();
        }
      }
    };
  }
  async runWithArray(input) {
    for (let i = 0; i < input.length; i++) {
      const inputTensor = input[i];
      const expectedRankedTensorType = this.liteRtModel.getInputTensorType(this.signatureIndex, i);
      const inputRequirements = this.liteRtCompiledModel.getInputBufferRequirements(
        this.signatureIndex,
        i
      );
      getGlobalLiteRt().liteRtWasm.checkTensorBufferCompatible(
        inputTensor.liteRtTensorBuffer,
        expectedRankedTensorType,
        inputRequirements
      );
      expectedRankedTensorType.delete();
      inputRequirements.delete();
    }
    const outputTensorBuffers = await this.liteRtCompiledModel.run(
      this.signatureIndex,
      input.map((tensor) => tensor.liteRtTensorBuffer)
    );
    return outputTensorBuffers.map(
      (tensorBuffer) => new dist_Tensor(tensorBuffer, this.options.environment)
    );
  }
  get deleted() {
    return this.deletedInternal;
  }
  ensureNotDeleted() {
    if (this.deleted) {
      throw new Error(
        "CompiledModelSignatureRunner is deleted and cannot be used."
      );
    }
  }
  delete() {
    if (this.deletedInternal) {
      return;
    }
    this.deletedInternal = true;
    this.liteRtSimpleSignature.delete();
  }
};
function makeTensorDetails(name, index, tensorType, requirements) {
  const layout = tensorType.layout();
  const dimensions = emscriptenVectorToArray(layout.dimensions());
  layout.delete();
  const supportedBufferTypes = new Set(emscriptenVectorToArray(requirements.supportedTypes()).map(({ value }) => value));
  const details = {
    name,
    index,
    dtype: getDataType(tensorType.elementType().value).dtype,
    shape: new Int32Array(dimensions),
    supportedBufferTypes
  };
  tensorType.delete();
  requirements.delete();
  return details;
}

// src/compiled_model.ts
var CompiledModel = class {
  constructor(model, liteRtCompiledModel, options, onDelete) {
    this.model = model;
    this.liteRtCompiledModel = liteRtCompiledModel;
    this.options = options;
    this.onDelete = onDelete;
    const numSignatures = model.liteRtModel.getNumSignatures();
    const compiledModelSignatureRunners = {};
    for (let i = 0; i < numSignatures; i++) {
      const compiledModelSignatureRunner = new CompiledModelSignatureRunner(
        i,
        model.liteRtModel,
        liteRtCompiledModel,
        options
      );
      compiledModelSignatureRunners[compiledModelSignatureRunner.key] = compiledModelSignatureRunner;
    }
    this.compiledModelSignatureRunners = Object.freeze(compiledModelSignatureRunners);
    this.defaultSignature = Object.values(this.signatures)[0];
    this.key = this.defaultSignature.key;
  }
  defaultSignature;
  compiledModelSignatureRunners;
  key;
  deletedInternal = false;
  get signatures() {
    this.ensureNotDeleted();
    return this.compiledModelSignatureRunners;
  }
  getInputDetails() {
    this.ensureNotDeleted();
    return this.defaultSignature.getInputDetails();
  }
  getOutputDetails() {
    this.ensureNotDeleted();
    return this.defaultSignature.getOutputDetails();
  }
  async run(inputOrSignatureName, maybeInput) {
    this.ensureNotDeleted();
    const [signature, input] = this.parseRunInputs(inputOrSignatureName, maybeInput);
    return await signature.run(input);
  }
  parseRunInputs(inputOrSignatureName, maybeInput) {
    let signature;
    let input;
    if (typeof inputOrSignatureName === "string") {
      signature = this.signatures[inputOrSignatureName];
      if (!signature) {
        throw new Error(
          `No signature named ${inputOrSignatureName} found in model.`
        );
      }
      if (!maybeInput) {
        throw new Error(
          `No input provided for signature ${inputOrSignatureName}`
        );
      }
      input = maybeInput;
    } else {
      signature = this.defaultSignature;
      input = inputOrSignatureName;
    }
    return [signature, input];
  }
  get deleted() {
    return this.deletedInternal;
  }
  ensureNotDeleted() {
    if (this.deleted) {
      throw new Error("CompiledModel is deleted and cannot be used.");
    }
  }
  get isFullyAccelerated() {
    this.ensureNotDeleted();
    return this.liteRtCompiledModel.isFullyAccelerated();
  }
  delete() {
    if (this.deletedInternal) {
      return;
    }
    this.deletedInternal = true;
    this.liteRtCompiledModel.delete();
    this.model.delete();
    for (const signatureRunner of Object.values(
      this.compiledModelSignatureRunners
    )) {
      signatureRunner.delete();
    }
    this.onDelete();
  }
};

// src/load_utils.ts
async function urlToUint8Array(url) {
  const response = await fetch(url);
  return new Uint8Array(await response.arrayBuffer());
}
async function readableStreamDefaultReaderToUint8Array(reader) {
  let byteOffset = 0;
  let array = new Uint8Array(
    1024
    /* arbitrary starting size */
  );
  const MAX_ARRAY_SIZE = 2e9;
  while (true) {
    const { done, value } = await reader.read();
    if (value) {
      if (array.byteLength < byteOffset + value.byteLength) {
        if (byteOffset + value.byteLength > MAX_ARRAY_SIZE) {
          throw new Error(`Model is too large (> ${MAX_ARRAY_SIZE} bytes).`);
        }
        const newArray = new Uint8Array(Math.min(
          MAX_ARRAY_SIZE,
          Math.max(array.byteLength, value.byteLength) * 2
        ));
        newArray.set(array);
        array = newArray;
      }
      array.set(value, byteOffset);
      byteOffset += value.byteLength;
    }
    if (done) {
      break;
    }
  }
  return array.slice(0, byteOffset);
}

// src/model.ts
var Model = class {
  constructor(liteRtModel, onDelete) {
    this.liteRtModel = liteRtModel;
    this.onDelete = onDelete;
  }
  delete() {
    this.liteRtModel.delete();
    this.onDelete();
  }
};

// src/model_types.ts
function fillCompileOptions(compileOptions = {}, environment, defaultThreadCount) {
  return {
    environment,
    accelerator: compileOptions.accelerator ?? (environment.webGpuDevice ? "webgpu" : "wasm"),
    cpuOptions: compileOptions.cpuOptions ?? { numThreads: defaultThreadCount },
    gpuOptions: compileOptions.gpuOptions ?? {},
    webNNOptions: compileOptions.webNNOptions ?? {}
  };
}

// src/wasm_feature_detect.ts
var WASM_RELAXED_SIMD_CHECK = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  5,
  1,
  96,
  0,
  1,
  123,
  3,
  2,
  1,
  0,
  10,
  15,
  1,
  13,
  0,
  65,
  1,
  253,
  15,
  65,
  2,
  253,
  15,
  253,
  128,
  2,
  11
]);
var WASM_THREADS_CHECK = new Uint8Array([
  0,
  97,
  115,
  109,
  1,
  0,
  0,
  0,
  1,
  4,
  1,
  96,
  0,
  0,
  3,
  2,
  1,
  0,
  5,
  4,
  1,
  3,
  1,
  1,
  10,
  11,
  1,
  9,
  0,
  65,
  0,
  254,
  16,
  2,
  0,
  26,
  11
]);
var WASM_FEATURE_VALUES = {
  "relaxedSimd": void 0,
  "threads": void 0,
  "jspi": void 0,
  "webnn": void 0
};
function isJspiSupported() {
  return "Suspending" in WebAssembly;
}
function isWebNnSupported() {
  return typeof navigator !== "undefined" && !!navigator.ml;
}
async function tryWasm(wasm) {
  try {
    await WebAssembly.instantiate(wasm);
    return { supported: true };
  } catch (e) {
    return { supported: false, error: e };
  }
}
var WASM_FEATURE_CHECKS = {
  "relaxedSimd": () => {
    if (WASM_FEATURE_VALUES.relaxedSimd === void 0) {
      WASM_FEATURE_VALUES.relaxedSimd = tryWasm(WASM_RELAXED_SIMD_CHECK);
    }
    return WASM_FEATURE_VALUES.relaxedSimd;
  },
  "threads": () => {
    if (WASM_FEATURE_VALUES.threads === void 0) {
      try {
        if (typeof MessageChannel !== "undefined") {
          new MessageChannel().port1.postMessage(new SharedArrayBuffer(1));
        }
        WASM_FEATURE_VALUES.threads = tryWasm(WASM_THREADS_CHECK);
      } catch (e) {
        WASM_FEATURE_VALUES.threads = Promise.resolve({ supported: false, error: e });
      }
    }
    return WASM_FEATURE_VALUES.threads;
  },
  "jspi": () => {
    if (WASM_FEATURE_VALUES.jspi === void 0) {
      const supported = isJspiSupported();
      WASM_FEATURE_VALUES.jspi = Promise.resolve({
        supported,
        error: supported ? void 0 : new Error("JSPI is not supported")
      });
    }
    return WASM_FEATURE_VALUES.jspi;
  },
  "webnn": () => {
    if (WASM_FEATURE_VALUES.webnn === void 0) {
      const supported = isWebNnSupported();
      WASM_FEATURE_VALUES.webnn = Promise.resolve({
        supported,
        error: supported ? void 0 : new Error("WebNN is not supported")
      });
    }
    return WASM_FEATURE_VALUES.webnn;
  }
};
async function supportsFeature(feature) {
  const check = WASM_FEATURE_CHECKS[feature]?.();
  if (!check) {
    throw new Error(`Unknown feature: ${feature}`);
  }
  return (await check).supported;
}
async function throwIfFeatureNotSupported(feature) {
  const check = WASM_FEATURE_CHECKS[feature]?.();
  if (!check) {
    throw new Error(`Unknown feature: ${feature}`);
  }
  const result = await check;
  if (!result.supported) {
    throw result.error;
  }
}

// src/litert_web.ts
function isWebGPUSupported() {
  return !!(typeof globalThis !== "undefined" && globalThis.navigator && globalThis.navigator.gpu);
}
function getDefaultEnvironment() {
  return getGlobalLiteRt().getDefaultEnvironment();
}
function loadAndCompile(model, compileOptions) {
  return getGlobalLiteRt().loadAndCompile(model, compileOptions);
}
function getWebGpuDevice() {
  return getGlobalLiteRt().getWebGpuDevice();
}
function setWebGpuDevice(device) {
  getGlobalLiteRt().setWebGpuDevice(device);
}
var LiteRt = class {
  liteRtWasm;
  defaultEnvironment;
  objectsToDelete = /* @__PURE__ */ new Set();
  constructor(wasmModule) {
    this.liteRtWasm = wasmModule;
    this.liteRtWasm.setupLogging();
  }
  setDefaultEnvironment(environment) {
    this.defaultEnvironment = environment;
  }
  getDefaultEnvironment() {
    if (!this.defaultEnvironment) {
      throw new Error("Default environment is not set.");
    }
    return this.defaultEnvironment;
  }
  setWebGpuDevice(device) {
    const oldEnvironment = this.getDefaultEnvironment();
    this.setDefaultEnvironment(new Environment({
      ...oldEnvironment.options,
      webGpuDevice: device
    }));
  }
  getWebGpuDevice() {
    return this.getDefaultEnvironment().webGpuDevice;
  }
  /**
   * Registers an object to be deleted when this LiteRt instance is deleted.
   * Internal use only.
   */
  _registerObjectForDeletion(object) {
    this.objectsToDelete.add(object);
  }
  /**
   * Unregisters an object from being deleted when this LiteRt instance is
   * deleted. Internal use only.
   */
  _unregisterObjectForDeletion(object) {
    this.objectsToDelete.delete(object);
  }
  /**
   * Loads and compiles a LiteRt model.
   *
   * @param model The model data. This can be a string (the model url), a URL
   *     object, a Uint8Array (the model bytes), or a
   *     ReadableStreamDefaultReader (for streaming model loading).
   * @param compileOptions The options for compiling the model. This includes
   *     the accelerator to use ('webgpu' or 'wasm') and the WebGPU device
   *     (for direct GPU model inputs / outputs).
   * @returns A promise that resolves to the CompiledModel.
   */
  async loadAndCompile(model, compileOptions = {}) {
    let modelData;
    if (typeof model === "string" || model instanceof URL) {
      modelData = await urlToUint8Array(model);
    } else if (model instanceof Uint8Array) {
      modelData = model;
    } else if (model instanceof ReadableStreamDefaultReader) {
      modelData = await readableStreamDefaultReaderToUint8Array(model);
    } else {
      throw new Error("Unsupported model type.");
    }
    const environment = compileOptions.environment ?? this.getDefaultEnvironment();
    const accelerator = compileOptions.accelerator ?? (environment.webGpuDevice ? "webgpu" : "wasm");
    const isWebGpu = accelerator === "webgpu";
    if (isWebGpu && !environment.webGpuDevice) {
      throw new Error(
        "WebGPU was requested but no WebGPU device is set in the environment."
      );
    }
    const filledCompileOptions = fillCompileOptions(
      compileOptions,
      environment,
      this.liteRtWasm.getThreadCount()
    );
    const ptr = this.liteRtWasm._malloc(modelData.byteLength);
    this.liteRtWasm.HEAPU8.set(modelData, ptr);
    const wasmModel = this.liteRtWasm.loadModel(
      filledCompileOptions.environment.liteRtEnvironment,
      ptr,
      modelData.byteLength
    );
    const wasmCompiledModel = await this.liteRtWasm.compileModel(
      filledCompileOptions.environment.liteRtEnvironment,
      wasmModel,
      filledCompileOptions
    );
    const loadedModel = new Model(wasmModel, () => {
      this.liteRtWasm._free(ptr);
    });
    const compiledModel = new CompiledModel(
      loadedModel,
      wasmCompiledModel,
      filledCompileOptions,
      () => {
        this.objectsToDelete.delete(compiledModel);
      }
    );
    this.objectsToDelete.add(compiledModel);
    const isWebNn = accelerator === "webnn";
    const acceleratorRequested = isWebGpu || isWebNn;
    if (acceleratorRequested && !compiledModel.isFullyAccelerated) {
      if (isJspiSupported()) {
        console.warn(
          `%c[LiteRT]%c Model not fully compiled for ${accelerator}. Partially delegating to WASM execution.`,
          "background: #FFA000; color: black; font-weight: bold; padding: 2px 5px; border-radius: 3px;",
          "font-weight: bold;"
        );
      } else {
        console.warn(
          `%c[LiteRT]%c Model not fully compiled for ${accelerator} on non-JSPI browser. Falling back to WASM execution.`,
          "background: #D32F2F; color: white; font-weight: bold; padding: 2px 5px; border-radius: 3px;",
          "color: #D32F2F; font-weight: bold;"
        );
        compiledModel.delete();
        const fallbackCompileOptions = {
          ...compileOptions,
          accelerator: "wasm"
        };
        return this.loadAndCompile(modelData, fallbackCompileOptions);
      }
    }
    return compiledModel;
  }
  delete() {
    for (const object of this.objectsToDelete) {
      object.delete();
    }
  }
};

// src/load.ts


// src/url_path_utils.ts
function pathToString(path) {
  return path;
}
function appendPathSegment(path, segment) {
  if (!path) return segment;
  if (!segment) return path;
  const pathWithSlash = path.endsWith("/") ? path : path + "/";
  const segmentWithoutSlash = segment.startsWith("/") ? segment.substring(1) : segment;
  return pathWithSlash + segmentWithoutSlash;
}

// src/load.ts
var WASM_JS_FILE_NAME = "litert_wasm_internal.js";
var WASM_JS_COMPAT_FILE_NAME = "litert_wasm_compat_internal.js";
var WASM_JS_THREADED_FILE_NAME = "litert_wasm_threaded_internal.js";
var WASM_JS_JSPI_FILE_NAME = "litert_wasm_jspi_internal.js";
async function load(path, options) {
  const pathString = pathToString(path);
  const isFullFilePath = pathString.endsWith(".wasm") || pathString.endsWith(".js");
  const relaxedSimd = await supportsFeature("relaxedSimd");
  if (options?.threads) {
    if (options?.jspi) {
      throw new Error(
        "The `threads` and `jspi` options are mutually exclusive."
      );
    }
    if (isFullFilePath) {
      console.warn(
        `The \`threads\` option was specified, but the wasm path ${pathString} is a full file path. Whether threads are available or not will depend on the loaded file. To allow LiteRT.js to load the threaded wasm file, use a directory path instead of a full file path.`
      );
    }
    if (!relaxedSimd) {
      throw new Error(
        "Threads are only supported with relaxed SIMD, and the current browser does not support relaxed SIMD."
      );
    }
    await throwIfFeatureNotSupported("threads");
  }
  if (options?.jspi) {
    if (isFullFilePath) {
      console.warn(
        `The \`jspi\` option was specified, but the wasm path ${pathString} is a full file path. Whether JSPI is available or not will depend on the loaded file. To allow LiteRT.js to load the JSPI wasm file, use a directory path instead of a full file path.`
      );
    }
    await throwIfFeatureNotSupported("jspi");
  }
  let fileName = WASM_JS_COMPAT_FILE_NAME;
  if (relaxedSimd) {
    if (options?.threads) {
      fileName = WASM_JS_THREADED_FILE_NAME;
    } else if (options?.jspi) {
      fileName = WASM_JS_JSPI_FILE_NAME;
    } else {
      fileName = WASM_JS_FILE_NAME;
    }
  }
  let jsFilePath = path;
  if (pathString.endsWith(".wasm")) {
    throw new Error(
      "Please load the `.js` file corresponding to the `.wasm` file, or load the directory containing it."
    );
  } else if (!pathString.endsWith(".js")) {
    jsFilePath = appendPathSegment(path, fileName);
  }
  return createWasmLib(LiteRt, jsFilePath);
}

// src/load_litert.ts
function loadLiteRt(path, options) {
  if (hasGlobalLiteRtPromise()) {
    throw new Error("LiteRT is already loading / loaded.");
  }
  setGlobalLiteRtPromise(load(path, options).then(async (liteRt) => {
    setGlobalLiteRt(liteRt);
    liteRt.setDefaultEnvironment(
      await Environment.create()
    );
    return liteRt;
  }).catch((error) => {
    setGlobalLiteRtPromise(void 0);
    throw error;
  }));
  return getGlobalLiteRtPromise();
}
function unloadLiteRt() {
  if (hasGlobalLiteRtPromise() && !hasGlobalLiteRt()) {
    throw new Error(
      "LiteRT is loading and can not be unloaded or canceled until it is finished loading."
    );
  }
  if (hasGlobalLiteRt()) {
    getGlobalLiteRt().delete();
    setGlobalLiteRt(void 0);
  }
  setGlobalLiteRtPromise(void 0);
}

// src/streamed_loading.ts
var compilationLock = Promise.resolve();
async function loadModelAndWeights(modelData, weightsStream, compileOptions = {}) {
  const liteRt = getGlobalLiteRt();
  const wasm = liteRt.liteRtWasm;
  const env = compileOptions.environment ?? liteRt.getDefaultEnvironment();
  if (!env.webGpuDevice) {
    throw new Error(
      "WebGPU device is required for streamed loading in this implementation."
    );
  }
  const myTurn = compilationLock;
  let resolveLock;
  compilationLock = new Promise((resolve) => {
    resolveLock = resolve;
  });
  await myTurn;
  try {
    wasm.registerStreamWeightsCallback(async (tflIds, wgpuBufferIds, offsets, lengths) => {
      const requests = [];
      if (tflIds.length !== wgpuBufferIds.length) {
        throw new Error(
          `Stream weights callback received arrays of different lengths: tflIds=${tflIds.length}, wgpuBufferIds=${wgpuBufferIds.length}, `
        );
      }
      for (let i = 0; i < tflIds.length; i++) {
        requests.push({
          id: tflIds[i],
          wgpuBufferId: wgpuBufferIds[i],
          offset: offsets[i],
          length: lengths[i]
        });
      }
      requests.sort((a, b) => a.offset - b.offset);
      console.log(`[StreamWeights] Starting loading session for ${requests.length} tensors:`, JSON.stringify(requests));
      const reader = weightsStream.getReader();
      let streamOffset = 0;
      let buffer = new Uint8Array(0);
      let reqIndex = 0;
      try {
        while (reqIndex < requests.length) {
          const req = requests[reqIndex];
          const relStart = req.offset - streamOffset;
          const relEnd = relStart + req.length;
          if (relEnd <= buffer.length) {
            if (relStart < 0) {
              throw new Error(
                `Stream logic error: weight starts before current buffer (req.offset=${req.offset}, streamOffset=${streamOffset}).`
              );
            }
            let weightData = buffer.subarray(relStart, relEnd);
            if (weightData.byteLength % 4 !== 0) {
              const paddedSize = weightData.byteLength + 3 & ~3;
              const paddedData = new Uint8Array(paddedSize);
              paddedData.set(weightData);
              weightData = paddedData;
            }
            const gpuBuffer = wasm.WebGPU.getJsObject(req.wgpuBufferId);
            if (!gpuBuffer) {
              throw new Error(
                `Failed to find GPUBuffer for ID: ${req.wgpuBufferId}`
              );
            }
            console.log(`[StreamWeights] Writing ${weightData.byteLength} bytes to GPUBuffer ${req.wgpuBufferId} (tflId=${req.id}, first 5 bytes=${Array.from(weightData.slice(0, 5))})`);
            env.webGpuDevice.queue.writeBuffer(gpuBuffer, 0, weightData);
            reqIndex++;
          } else {
            const { done, value } = await reader.read();
            if (done) {
              throw new Error(
                `Stream ended before all weights were loaded.`
              );
            }
            const newBuffer = new Uint8Array(buffer.length + value.length);
            newBuffer.set(buffer);
            newBuffer.set(value, buffer.length);
            buffer = newBuffer;
          }
          if (reqIndex < requests.length) {
            const nextStartRel = requests[reqIndex].offset - streamOffset;
            const bytesToDiscard = Math.min(nextStartRel, buffer.length);
            if (bytesToDiscard > 1024 * 1024 || bytesToDiscard === buffer.length) {
              buffer = buffer.slice(bytesToDiscard);
              streamOffset += bytesToDiscard;
            }
          }
        }
      } finally {
        reader.releaseLock();
      }
    });
    try {
      const ptr = wasm._malloc(modelData.byteLength);
      wasm.HEAPU8.set(modelData, ptr);
      const wasmModel = wasm.loadModel(env.liteRtEnvironment, ptr, modelData.byteLength);
      const loadedModel = new Model(wasmModel, () => {
        wasm._free(ptr);
      });
      const fullOptions = fillCompileOptions(
        compileOptions,
        env,
        wasm.getThreadCount()
      );
      const wasmCompiledModel = await wasm.compileModel(
        env.liteRtEnvironment,
        wasmModel,
        fullOptions
      );
      const compiledModel = new CompiledModel(
        loadedModel,
        wasmCompiledModel,
        fullOptions,
        () => {
          liteRt._unregisterObjectForDeletion(compiledModel);
        }
      );
      liteRt._registerObjectForDeletion(compiledModel);
      return compiledModel;
    } finally {
      wasm.registerStreamWeightsCallback(void 0);
    }
  } finally {
    resolveLock();
  }
}

// src/cpu_copy_functions.ts
async function copyHostMemoryToHostMemory(cpuTensor, options = {}) {
  const environment = options.environment ?? cpuTensor.environment;
  const liteRtWasm = getGlobalLiteRt().liteRtWasm;
  const srcTensorBuffer = cpuTensor.liteRtTensorBuffer;
  const bufferType = srcTensorBuffer.bufferType();
  if (bufferType.value !== TensorBufferType.HOST_MEMORY) {
    throw new Error(
      "Source tensor is not in host memory. Cannot copy to host memory."
    );
  }
  const srcTensorMemoryPtr = srcTensorBuffer.lock(
    liteRtWasm.LiteRtTensorBufferLockMode.READ
  );
  let destTensorBuffer;
  try {
    destTensorBuffer = liteRtWasm.LiteRtTensorBuffer.createManaged(
      environment.liteRtEnvironment,
      liteRtWasm.LiteRtTensorBufferType.HOST_MEMORY,
      srcTensorBuffer.tensorType(),
      srcTensorBuffer.size()
    );
    const destMemoryPointer = destTensorBuffer.lock(
      liteRtWasm.LiteRtTensorBufferLockMode.WRITE
    );
    try {
      const srcTensorMemoryView = new Uint8Array(
        liteRtWasm.HEAPU8.buffer,
        srcTensorMemoryPtr,
        srcTensorBuffer.size()
      );
      liteRtWasm.HEAPU8.set(srcTensorMemoryView, destMemoryPointer);
    } finally {
      destTensorBuffer.unlock();
    }
  } finally {
    srcTensorBuffer.unlock();
  }
  if (!destTensorBuffer) {
    throw new Error("Failed to create destination tensor buffer.");
  }
  return new dist_Tensor(destTensorBuffer, environment);
}

// src/gpu_copy_functions.ts
async function cpuTensorToGpuTensor(cpuTensor, options = {}) {
  const environment = options.environment ?? cpuTensor.environment;
  const device = environment.webGpuDevice;
  if (!device) {
    throw new Error(
      "No WebGPU device is available. Did you forget to pass a destination environment that has a WebGPU device?"
    );
  }
  const liteRtWasm = getGlobalLiteRt().liteRtWasm;
  const byteLength = cpuTensor.liteRtTensorBuffer.size();
  const paddedByteLength = byteLength + 3 & ~3;
  const stagingBuffer = device.createBuffer({
    size: paddedByteLength,
    usage: GPUBufferUsage.MAP_WRITE | GPUBufferUsage.COPY_SRC,
    mappedAtCreation: true
  });
  const mappedBuffer = await stagingBuffer.getMappedRange();
  const mappedArray = new Uint8Array(mappedBuffer);
  const cpuMemoryPtr = cpuTensor.liteRtTensorBuffer.lock(
    liteRtWasm.LiteRtTensorBufferLockMode.READ
  );
  try {
    const cpuMemoryView = new Uint8Array(
      liteRtWasm.HEAPU8.buffer,
      cpuMemoryPtr,
      cpuTensor.liteRtTensorBuffer.size()
    );
    mappedArray.set(cpuMemoryView);
  } finally {
    cpuTensor.liteRtTensorBuffer.unlock();
  }
  stagingBuffer.unmap();
  const buffer = device.createBuffer({
    size: paddedByteLength,
    usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST | GPUBufferUsage.STORAGE
  });
  const commandEncoder = device.createCommandEncoder();
  commandEncoder.copyBufferToBuffer(
    stagingBuffer,
    0,
    buffer,
    0,
    paddedByteLength
  );
  device.queue.submit([commandEncoder.finish()]);
  stagingBuffer.destroy();
  return new dist_Tensor(
    buffer,
    cpuTensor.type.layout.dimensions,
    cpuTensor.type.dtype,
    environment,
    () => {
      buffer.destroy();
    }
  );
}
async function gpuTensorToCpuTensor(gpuTensor, options = {}) {
  const environment = options.environment ?? gpuTensor.environment;
  const device = gpuTensor.environment.webGpuDevice;
  if (!device) {
    throw new Error(
      "No WebGPU device is available. Does the source tensor have a WebGPU device?"
    );
  }
  const liteRtWasm = getGlobalLiteRt().liteRtWasm;
  const tensorBuffer = gpuTensor.liteRtTensorBuffer;
  const bufferType = tensorBuffer.bufferType();
  if (bufferType !== liteRtWasm.LiteRtTensorBufferType.WEB_GPU_BUFFER_PACKED) {
    throw new Error(`Cannot convert a tensor with a non-WebGPU buffer type ${bufferType} to a CPU tensor.`);
  }
  const gpuBuffer = liteRtWasm.WebGPU.getJsObject(
    tensorBuffer.getWebGpuBuffer()
  );
  const byteOffset = tensorBuffer.offset();
  const tensorType = tensorBuffer.tensorType();
  const layout = tensorType.layout();
  const numElements = layout.numElements();
  const arrayConstructor = getDataType(tensorType.elementType().value).typedArrayConstructor;
  layout.delete();
  tensorType.delete();
  let mappableBuffer = gpuBuffer;
  let cleanupBuffer = () => {
  };
  if (!(gpuBuffer.usage & GPUBufferUsage.MAP_READ)) {
    mappableBuffer = device.createBuffer({
      size: gpuBuffer.size,
      usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ
    });
    cleanupBuffer = () => {
      mappableBuffer.destroy();
    };
    const commandEncoder = device.createCommandEncoder();
    commandEncoder.copyBufferToBuffer(
      gpuBuffer,
      0,
      mappableBuffer,
      0,
      gpuBuffer.size
    );
    device.queue.submit([commandEncoder.finish()]);
  }
  await mappableBuffer.mapAsync(GPUMapMode.READ);
  const mappedBuffer = mappableBuffer.getMappedRange();
  const mappedArray = new arrayConstructor(mappedBuffer, byteOffset, numElements);
  const cpuTensor = new dist_Tensor(mappedArray, gpuTensor.type.layout.dimensions, environment);
  mappableBuffer.unmap();
  cleanupBuffer();
  return cpuTensor;
}

// src/tensor_copy_functions.ts
function makeMoveTo(copyTo) {
  return async (tensor, options) => {
    const result = await copyTo(tensor, options);
    tensor.delete();
    return result;
  };
}
function registerCopyFunctions() {
  dist_Tensor.copyFunctions.set(TensorBufferType.HOST_MEMORY, /* @__PURE__ */ new Map([
    [
      TensorBufferType.HOST_MEMORY,
      {
        copyTo: copyHostMemoryToHostMemory,
        // There might be a more efficient way to move
        // from CPU to CPU.
        moveTo: makeMoveTo(copyHostMemoryToHostMemory)
      }
    ],
    [
      TensorBufferType.WEB_GPU_BUFFER_PACKED,
      {
        copyTo: cpuTensorToGpuTensor,
        moveTo: makeMoveTo(cpuTensorToGpuTensor)
      }
    ]
  ]));
  dist_Tensor.copyFunctions.set(TensorBufferType.WEB_GPU_BUFFER_PACKED, /* @__PURE__ */ new Map([
    [
      TensorBufferType.HOST_MEMORY,
      {
        copyTo: gpuTensorToCpuTensor,
        moveTo: makeMoveTo(gpuTensorToCpuTensor)
      }
    ]
  ]));
}

// src/index.ts
registerCopyFunctions();

//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./lib/runtime/litert-wasm.js
/**
 * Loads LiteRT.js's WASM build in Node. The package targets browsers: its loader injects a <script> or calls
 * importScripts(). The emscripten file itself runs in Node when it sees CommonJS names (`require`,
 * `__dirname`, `module`), so we evaluate it inside a CommonJS-style wrapper instead of touching globals.
 * Only the subset of the embind API this project calls is typed here.
 */





const LOG_LINES = 40;
let instance;
/** The runtime, loaded once per process. */
function getLiteRt() {
    instance ??= litert_wasm_loadLiteRt().catch((error) => {
        instance = undefined;
        throw error;
    });
    return instance;
}
/**
 * Drops the loaded instance after its WASM trapped (an out-of-bounds access, an abort): emscripten
 * leaves such an instance unusable, so the next getLiteRt() loads a fresh one.
 */
function resetLiteRt() {
    instance = undefined;
}
/** A fault of the WASM itself, as opposed to an error LiteRT reports. */
function isTrap(error) {
    // WebAssembly.RuntimeError (the lib settings here have no WebAssembly types); emscripten's abort().
    if (!(error instanceof Error))
        return false;
    return error.name === 'RuntimeError' || /^Aborted\(/.test(error.message);
}
async function litert_wasm_loadLiteRt() {
    const log = [];
    const printed = { errors: 0 };
    const keep = (line) => {
        if (process.env.MODEL_QUANT_LITERT_LOG)
            process.stderr.write(`${line}\n`);
        log.push(line);
        if (log.length > LOG_LINES)
            log.shift();
        if (/^ERROR\b/.test(line))
            printed.errors++;
    };
    const factory = loadFactory(await wasmScriptPath());
    const wasm = await factory({ print: keep, printErr: keep });
    wasm.setupLogging();
    return {
        wasm,
        env: wasm.LiteRtEnvironment.create(null),
        log,
        get errors() {
            return printed.errors;
        },
    };
}
/**
 * Picks the non-threaded, non-JSPI build: the relaxed-SIMD one where the engine has relaxed SIMD (Node 22+),
 * the compat one otherwise (Node 20's V8 lacks it unless flagged).
 */
async function wasmScriptPath() {
    const require = (0,external_node_module_namespaceObject.createRequire)(import.meta.url);
    const pkgDir = (0,external_node_path_namespaceObject.dirname)(require.resolve('@litertjs/core/package.json'));
    const name = (await supportsFeature('relaxedSimd'))
        ? 'litert_wasm_internal'
        : 'litert_wasm_compat_internal';
    return (0,external_node_path_namespaceObject.join)(pkgDir, 'wasm', `${name}.js`);
}
function loadFactory(file) {
    const source = (0,external_node_fs_namespaceObject.readFileSync)(file, 'utf8');
    const wrapped = `(function (exports, require, module, __filename, __dirname) {${source}\n})`;
    const fn = external_node_vm_namespaceObject.runInThisContext(wrapped, { filename: file });
    const mod = { exports: {} };
    fn(mod.exports, (0,external_node_module_namespaceObject.createRequire)(file), mod, file, (0,external_node_path_namespaceObject.dirname)(file));
    if (typeof mod.exports !== 'function')
        throw new Error(`LiteRT: ${file} did not export a module factory`);
    return mod.exports;
}
/** Copies an embind vector into an array and frees it. */
function fromVector(vector) {
    const out = [];
    for (let i = 0; i < vector.size(); i++)
        out.push(vector.get(i));
    vector.delete();
    return out;
}
//# sourceMappingURL=litert-wasm.js.map
;// CONCATENATED MODULE: ./lib/errors.js
/**
 * Errors a user can act on. Each names what was wrong and where; the CLI prints the message on one line
 * and exits with code 2, the report keeps `toJSON()`.
 */
class ModelQuantError extends Error {
    code = 'E_MODEL_QUANT';
    toJSON() {
        return { code: this.code, message: this.message };
    }
}
/** The model file cannot be read: not the format its name says, truncated, or inconsistent. */
class errors_ModelFormatError extends ModelQuantError {
    file;
    code = 'E_MODEL_FORMAT';
    constructor(file, message) {
        super(`${file}: ${message}`);
        this.file = file;
        this.name = 'ModelFormatError';
    }
}
/** An operator the requested step does not support. */
class errors_UnsupportedOpError extends ModelQuantError {
    nodeName;
    opType;
    supported;
    code = 'E_UNSUPPORTED_OP';
    constructor(nodeName, opType, supported, context = '') {
        super(`node '${nodeName}': operator ${opType} is not supported${context ? ` ${context}` : ''}; supported: ${supported.join(', ')}`);
        this.nodeName = nodeName;
        this.opType = opType;
        this.supported = supported;
        this.name = 'UnsupportedOpError';
    }
}
/** A command-line flag or Action input has a value that cannot be used. */
class InvalidOptionError extends ModelQuantError {
    flag;
    code = 'E_INVALID_OPTION';
    constructor(flag, message) {
        super(`--${flag}: ${message}`);
        this.flag = flag;
        this.name = 'InvalidOptionError';
    }
}
/** Input data (calibration or evaluation samples) that does not fit the model. */
class DataError extends ModelQuantError {
    file;
    code = 'E_DATA';
    constructor(file, message) {
        super(`${file}: ${message}`);
        this.file = file;
        this.name = 'DataError';
    }
}
//# sourceMappingURL=errors.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/ir-extras.js
/** TFLite TensorType ↔ IR DType (RESOURCE and VARIANT have no IR type). */
const DTYPE_OF = {
    FLOAT32: 'float32',
    FLOAT16: 'float16',
    INT32: 'int32',
    UINT8: 'uint8',
    INT64: 'int64',
    STRING: 'string',
    BOOL: 'bool',
    INT16: 'int16',
    COMPLEX64: 'complex64',
    INT8: 'int8',
    FLOAT64: 'float64',
    COMPLEX128: 'complex128',
    UINT64: 'uint64',
    UINT32: 'uint32',
    UINT16: 'uint16',
    INT4: 'int4',
    BFLOAT16: 'bfloat16',
    INT2: 'int2',
    UINT4: 'uint4',
    FLOAT8_E4M3FN: 'float8e4m3fn',
    FLOAT8_E5M2: 'float8e5m2',
};
const ir_extras_TFLITE_TYPE_OF = Object.fromEntries(Object.entries(DTYPE_OF).map(([tfl, dtype]) => [dtype, tfl]));
//# sourceMappingURL=ir-extras.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/schema.js
/**
 * Facts of the TFLite flatbuffer schema (LiteRT `tflite/converter/schema/schema.fbs`, file identifier
 * "TFL3", schema version 3): enum values, union type ids and the vtable slot of every field we read or
 * write. A slot is a field's position in its table; a union field takes two slots (type, then value).
 */
const schema_FILE_IDENTIFIER = 'TFL3';
const schema_SCHEMA_VERSION = 3;
const words = (text) => text.trim().split(/\s+/);
/** `enum BuiltinOperator : int32`, in code order: the name at index i has code i (0..209, no gaps). */
const BUILTIN_OPERATOR_NAMES = words(`
  ADD AVERAGE_POOL_2D CONCATENATION CONV_2D DEPTHWISE_CONV_2D DEPTH_TO_SPACE DEQUANTIZE EMBEDDING_LOOKUP
  FLOOR FULLY_CONNECTED HASHTABLE_LOOKUP L2_NORMALIZATION L2_POOL_2D LOCAL_RESPONSE_NORMALIZATION LOGISTIC
  LSH_PROJECTION LSTM MAX_POOL_2D MUL RELU RELU_N1_TO_1 RELU6 RESHAPE RESIZE_BILINEAR RNN SOFTMAX
  SPACE_TO_DEPTH SVDF TANH CONCAT_EMBEDDINGS SKIP_GRAM CALL CUSTOM EMBEDDING_LOOKUP_SPARSE PAD
  UNIDIRECTIONAL_SEQUENCE_RNN GATHER BATCH_TO_SPACE_ND SPACE_TO_BATCH_ND TRANSPOSE MEAN SUB DIV SQUEEZE
  UNIDIRECTIONAL_SEQUENCE_LSTM STRIDED_SLICE BIDIRECTIONAL_SEQUENCE_RNN EXP TOPK_V2 SPLIT LOG_SOFTMAX
  DELEGATE BIDIRECTIONAL_SEQUENCE_LSTM CAST PRELU MAXIMUM ARG_MAX MINIMUM LESS NEG PADV2 GREATER
  GREATER_EQUAL LESS_EQUAL SELECT SLICE SIN TRANSPOSE_CONV SPARSE_TO_DENSE TILE EXPAND_DIMS EQUAL
  NOT_EQUAL LOG SUM SQRT RSQRT SHAPE POW ARG_MIN FAKE_QUANT REDUCE_PROD REDUCE_MAX PACK LOGICAL_OR
  ONE_HOT LOGICAL_AND LOGICAL_NOT UNPACK REDUCE_MIN FLOOR_DIV REDUCE_ANY SQUARE ZEROS_LIKE FILL
  FLOOR_MOD RANGE RESIZE_NEAREST_NEIGHBOR LEAKY_RELU SQUARED_DIFFERENCE MIRROR_PAD ABS SPLIT_V UNIQUE
  CEIL REVERSE_V2 ADD_N GATHER_ND COS WHERE RANK ELU REVERSE_SEQUENCE MATRIX_DIAG QUANTIZE
  MATRIX_SET_DIAG ROUND HARD_SWISH IF WHILE NON_MAX_SUPPRESSION_V4 NON_MAX_SUPPRESSION_V5 SCATTER_ND
  SELECT_V2 DENSIFY SEGMENT_SUM BATCH_MATMUL PLACEHOLDER_FOR_GREATER_OP_CODES CUMSUM CALL_ONCE
  BROADCAST_TO RFFT2D CONV_3D IMAG REAL COMPLEX_ABS HASHTABLE HASHTABLE_FIND HASHTABLE_IMPORT
  HASHTABLE_SIZE REDUCE_ALL CONV_3D_TRANSPOSE VAR_HANDLE READ_VARIABLE ASSIGN_VARIABLE BROADCAST_ARGS
  RANDOM_STANDARD_NORMAL BUCKETIZE RANDOM_UNIFORM MULTINOMIAL GELU DYNAMIC_UPDATE_SLICE RELU_0_TO_1
  UNSORTED_SEGMENT_PROD UNSORTED_SEGMENT_MAX UNSORTED_SEGMENT_SUM ATAN2 UNSORTED_SEGMENT_MIN SIGN BITCAST
  BITWISE_XOR RIGHT_SHIFT STABLEHLO_LOGISTIC STABLEHLO_ADD STABLEHLO_DIVIDE STABLEHLO_MULTIPLY
  STABLEHLO_MAXIMUM STABLEHLO_RESHAPE STABLEHLO_CLAMP STABLEHLO_CONCATENATE STABLEHLO_BROADCAST_IN_DIM
  STABLEHLO_CONVOLUTION STABLEHLO_SLICE STABLEHLO_CUSTOM_CALL STABLEHLO_REDUCE STABLEHLO_ABS STABLEHLO_AND
  STABLEHLO_COSINE STABLEHLO_EXPONENTIAL STABLEHLO_FLOOR STABLEHLO_LOG STABLEHLO_MINIMUM STABLEHLO_NEGATE
  STABLEHLO_OR STABLEHLO_POWER STABLEHLO_REMAINDER STABLEHLO_RSQRT STABLEHLO_SELECT STABLEHLO_SUBTRACT
  STABLEHLO_TANH STABLEHLO_SCATTER STABLEHLO_COMPARE STABLEHLO_CONVERT STABLEHLO_DYNAMIC_SLICE
  STABLEHLO_DYNAMIC_UPDATE_SLICE STABLEHLO_PAD STABLEHLO_IOTA STABLEHLO_DOT_GENERAL STABLEHLO_REDUCE_WINDOW
  STABLEHLO_SORT STABLEHLO_WHILE STABLEHLO_GATHER STABLEHLO_TRANSPOSE DILATE STABLEHLO_RNG_BIT_GENERATOR
  REDUCE_WINDOW STABLEHLO_COMPOSITE STABLEHLO_SHIFT_LEFT STABLEHLO_CBRT STABLEHLO_CASE
`);
/** Operator name → code. */
const schema_BuiltinOperator = Object.fromEntries(BUILTIN_OPERATOR_NAMES.map((name, code) => [name, code]));
/** Codes above this live only in `OperatorCode.builtin_code`; `deprecated_builtin_code` is a byte. */
const schema_PLACEHOLDER_FOR_GREATER_OP_CODES = 127;
/** `enum TensorType : byte`, in code order. */
// prettier-ignore
const TENSOR_TYPE_NAMES = [
    'FLOAT32', 'FLOAT16', 'INT32', 'UINT8', 'INT64', 'STRING', 'BOOL', 'INT16', 'COMPLEX64', 'INT8',
    'FLOAT64', 'COMPLEX128', 'UINT64', 'RESOURCE', 'VARIANT', 'UINT32', 'UINT16', 'INT4', 'BFLOAT16',
    'INT2', 'UINT4', 'FLOAT8_E4M3FN', 'FLOAT8_E5M2',
];
const schema_TensorType = Object.fromEntries(TENSOR_TYPE_NAMES.map((name, code) => [name, code]));
/** `union BuiltinOptions`: the table name at index i has union type id i (0 is NONE). */
const schema_BUILTIN_OPTIONS_NAMES = words(`
  NONE Conv2DOptions DepthwiseConv2DOptions ConcatEmbeddingsOptions LSHProjectionOptions Pool2DOptions
  SVDFOptions RNNOptions FullyConnectedOptions SoftmaxOptions ConcatenationOptions AddOptions L2NormOptions
  LocalResponseNormalizationOptions LSTMOptions ResizeBilinearOptions CallOptions ReshapeOptions
  SkipGramOptions SpaceToDepthOptions EmbeddingLookupSparseOptions MulOptions PadOptions GatherOptions
  BatchToSpaceNDOptions SpaceToBatchNDOptions TransposeOptions ReducerOptions SubOptions DivOptions
  SqueezeOptions SequenceRNNOptions StridedSliceOptions ExpOptions TopKV2Options SplitOptions
  LogSoftmaxOptions CastOptions DequantizeOptions MaximumMinimumOptions ArgMaxOptions LessOptions
  NegOptions PadV2Options GreaterOptions GreaterEqualOptions LessEqualOptions SelectOptions SliceOptions
  TransposeConvOptions SparseToDenseOptions TileOptions ExpandDimsOptions EqualOptions NotEqualOptions
  ShapeOptions PowOptions ArgMinOptions FakeQuantOptions PackOptions LogicalOrOptions OneHotOptions
  LogicalAndOptions LogicalNotOptions UnpackOptions FloorDivOptions SquareOptions ZerosLikeOptions
  FillOptions BidirectionalSequenceLSTMOptions BidirectionalSequenceRNNOptions
  UnidirectionalSequenceLSTMOptions FloorModOptions RangeOptions ResizeNearestNeighborOptions
  LeakyReluOptions SquaredDifferenceOptions MirrorPadOptions AbsOptions SplitVOptions UniqueOptions
  ReverseV2Options AddNOptions GatherNdOptions CosOptions WhereOptions RankOptions ReverseSequenceOptions
  MatrixDiagOptions QuantizeOptions MatrixSetDiagOptions HardSwishOptions IfOptions WhileOptions
  DepthToSpaceOptions NonMaxSuppressionV4Options NonMaxSuppressionV5Options ScatterNdOptions
  SelectV2Options DensifyOptions SegmentSumOptions BatchMatMulOptions CumsumOptions CallOnceOptions
  BroadcastToOptions Rfft2dOptions Conv3DOptions HashtableOptions HashtableFindOptions
  HashtableImportOptions HashtableSizeOptions VarHandleOptions ReadVariableOptions AssignVariableOptions
  RandomOptions BucketizeOptions GeluOptions DynamicUpdateSliceOptions UnsortedSegmentProdOptions
  UnsortedSegmentMaxOptions UnsortedSegmentMinOptions UnsortedSegmentSumOptions ATan2Options SignOptions
  BitcastOptions BitwiseXorOptions RightShiftOptions
`);
const BuiltinOptionsType = Object.fromEntries(schema_BUILTIN_OPTIONS_NAMES.map((name, id) => [name, id]));
/** `enum Padding : byte`. */
const Padding = { SAME: 0, VALID: 1 };
/** `enum ActivationFunctionType : byte`. */
const ActivationFunctionType = {
    NONE: 0,
    RELU: 1,
    RELU_N1_TO_1: 2,
    RELU6: 3,
    TANH: 4,
    SIGN_BIT: 5,
};
/** `enum CustomOptionsFormat : byte`. */
const CUSTOM_OPTIONS_FLEXBUFFERS = 0;
/** Vtable slots of the fields this project reads and writes, per table. */
const schema_SLOT = {
    Model: {
        version: 0,
        operatorCodes: 1,
        subgraphs: 2,
        description: 3,
        buffers: 4,
        metadataBuffer: 5,
        metadata: 6,
        signatureDefs: 7,
        externalBufferGroups: 8,
        externalBuffers: 9,
    },
    OperatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
    SubGraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
    Tensor: {
        shape: 0,
        type: 1,
        buffer: 2,
        name: 3,
        quantization: 4,
        isVariable: 5,
        sparsity: 6,
        shapeSignature: 7,
        hasRank: 8,
        variantTensors: 9,
        externalBuffer: 10,
    },
    QuantizationParameters: {
        min: 0,
        max: 1,
        scale: 2,
        zeroPoint: 3,
        detailsType: 4,
        details: 5,
        quantizedDimension: 6,
    },
    Operator: {
        opcodeIndex: 0,
        inputs: 1,
        outputs: 2,
        builtinOptionsType: 3,
        builtinOptions: 4,
        customOptions: 5,
        customOptionsFormat: 6,
        mutatingVariableInputs: 7,
        intermediates: 8,
        largeCustomOptionsOffset: 9,
        largeCustomOptionsSize: 10,
        builtinOptions2Type: 11,
        builtinOptions2: 12,
    },
    Buffer: { data: 0, offset: 1, size: 2 },
    Metadata: { name: 0, buffer: 1 },
    TensorMap: { name: 0, tensorIndex: 1 },
    // slot 3 is the deprecated `deprecated_tag`.
    SignatureDef: { inputs: 0, outputs: 1, signatureKey: 2, subgraphIndex: 4 },
};
/** Number of slots to reserve when writing each table (its highest written slot + 1). */
const schema_SLOT_COUNT = {
    Model: 8,
    OperatorCode: 4,
    SubGraph: 5,
    Tensor: 9,
    QuantizationParameters: 7,
    Operator: 11,
    Buffer: 3,
    Metadata: 2,
    TensorMap: 2,
    SignatureDef: 5,
};
/** Buffer data is `force_align: 16` (schema, table Buffer). */
const schema_BUFFER_ALIGNMENT = 16;
//# sourceMappingURL=schema.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/common/options.js

/** A union member's table; its name must be in the schema's union (checked once, at load). */
function optionsTable(name, fields = []) {
    const typeId = BuiltinOptionsType[name];
    if (typeId === undefined)
        throw new Error(`TFLite builtins: ${name} is not in union BuiltinOptions`);
    return { name, typeId, fields };
}
const field = (name, type, def = type === 'bool' ? false : 0) => ({ name, type, default: def });
const deprecated = (spec) => ({ ...spec, deprecated: true });
const padding = field('padding', 'byte');
const strideW = field('stride_w', 'int');
const strideH = field('stride_h', 'int');
const activation = field('fused_activation_function', 'byte');
const quantizedBiasType = field('quantized_bias_type', 'byte');
const dilations = [field('dilation_w_factor', 'int', 1), field('dilation_h_factor', 'int', 1)];
const resizeFlags = [field('align_corners', 'bool'), field('half_pixel_centers', 'bool')];
const asymmetricQuantizeInputs = field('asymmetric_quantize_inputs', 'bool');
/** Tables several builtins share. */
const POOL_2D_OPTIONS = optionsTable('Pool2DOptions', [
    padding,
    strideW,
    strideH,
    field('filter_width', 'int'),
    field('filter_height', 'int'),
    activation,
]);
const REDUCER_OPTIONS = optionsTable('ReducerOptions', [field('keep_dims', 'bool')]);
/**
 * Empty tables in schema.fbs (no fields) that ops inside kept subgraphs (comparisons, logic, shape ops)
 * commonly carry: known by name so that those subgraphs are read and written back as they were.
 */
const EMPTY_TABLES = `
  LessOptions GreaterOptions GreaterEqualOptions LessEqualOptions EqualOptions NotEqualOptions
  LogicalOrOptions LogicalAndOptions LogicalNotOptions SelectOptions SelectV2Options NegOptions
  AbsOptions CosOptions SquareOptions ZerosLikeOptions FillOptions FloorDivOptions FloorModOptions
  RangeOptions TileOptions PowOptions RankOptions WhereOptions MatrixDiagOptions MatrixSetDiagOptions
  SignOptions ReadVariableOptions AssignVariableOptions BroadcastToOptions AddNOptions
  DynamicUpdateSliceOptions HashtableFindOptions HashtableImportOptions HashtableSizeOptions`
    .trim()
    .split(/\s+/)
    .map((name) => optionsTable(name));
//# sourceMappingURL=options.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/fixed-point.js
/**
 * The two rescaling arithmetics, on plain numbers holding int32 values.
 *
 * affine: TFLite's reference requantization. A real multiplier M > 0 is held as a Q31 fixed-point value
 * m in [2^30, 2^31) and an exponent e with M = m 2^(e-31); an int32 x is rescaled as
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(x 2^max(e,0), m), max(-e,0)) (gemmlowp's
 * documented semantics: the high-mul rounds to nearest with ties up, the divide by 2^n to nearest with
 * ties away from zero).
 *
 * pow2: the original hardware's shift, x >> k, truncating ('floor'), rounding half up ('nearest') or half
 * to even ('even').
 */
const TWO_31 = 2147483648;
const TWO_30 = 1073741824;
const INT32_MAX = 2147483647;
/** std::round: to nearest, ties away from zero. */
const roundHalfAway = (v) => (v < 0 ? -Math.round(-v) : Math.round(v));
/** 1.5 * 2^52: adding and subtracting it rounds a double below 2^51 to an integer, half to even. */
const MAGIC = 6755399441055744;
/** lrintf / the magic-number rounding of float kernels: to nearest, ties to even. */
function roundHalfEven(v) {
    if (v < 2251799813685248 && v > -2251799813685248)
        return v + MAGIC - MAGIC;
    const r = Math.round(v);
    return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
/** A real multiplier as Q31 mantissa and exponent (TFLite QuantizeMultiplier: frexp, then round). */
function quantizeMultiplier(real) {
    if (real === 0 || !Number.isFinite(real))
        return { multiplier: 0, shift: 0 };
    let shift = Math.ceil(Math.log2(Math.abs(real)));
    let q = real / 2 ** shift;
    if (Math.abs(q) >= 1) {
        q /= 2;
        shift++;
    }
    else if (Math.abs(q) < 0.5) {
        q *= 2;
        shift--;
    }
    let fixed = roundHalfAway(q * TWO_31);
    if (Math.abs(fixed) === TWO_31) {
        fixed /= 2;
        shift++;
    }
    if (shift < -31)
        return { multiplier: 0, shift: 0 };
    if (shift > 30)
        return { multiplier: INT32_MAX, shift: 30 };
    return { multiplier: fixed, shift: shift | 0 };
}
/**
 * gemmlowp SaturatingRoundingDoublingHighMul for int32: (a b + nudge) / 2^31 truncated toward zero, the
 * nudge 2^30 for a non-negative product and 1 - 2^30 otherwise; exact for every pair of int32 values.
 */
function saturatingRoundingDoublingHighMul(a, b) {
    if (a === -TWO_31 && b === -TWO_31)
        return INT32_MAX;
    const p = a * b;
    if (p < 4503599627370496 && p > -4503599627370496) {
        // |a b| < 2^52: the product and the nudged sum are exact doubles.
        return Math.trunc((p + (p >= 0 ? TWO_30 : 1 - TWO_30)) / TWO_31);
    }
    // a b = hi 2^16 + lo with b = bh 2^16 + bl; each partial product is exact.
    const bh = b >> 16;
    const bl = b & 0xffff;
    const hi = a * bh;
    const lo = a * bl;
    const hq = Math.floor(hi / 32768);
    const r = (hi - hq * 32768) * 65536 + lo + (p >= 0 ? TWO_30 : 1 - TWO_30);
    const rq = Math.floor(r / TWO_31);
    const floor = hq + rq;
    const exact = r - rq * TWO_31 === 0;
    return floor < 0 && !exact ? floor + 1 : floor;
}
/** gemmlowp RoundingDivideByPOT: x / 2^exponent rounded to nearest, ties away from zero (int32 x). */
function roundingDivideByPOT(x, exponent) {
    if (exponent <= 0)
        return x;
    const mask = exponent >= 31 ? INT32_MAX : (1 << exponent) - 1;
    const remainder = x & mask;
    const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}
/** TFLite MultiplyByQuantizedMultiplier: x * M for an int32 x, with M from `quantizeMultiplier`. */
function multiplyByQuantizedMultiplier(x, multiplier, shift) {
    const left = shift > 0 ? shift : 0;
    const high = saturatingRoundingDoublingHighMul(left ? Math.imul(x, 1 << left) : x, multiplier);
    return roundingDivideByPOT(high, shift > 0 ? 0 : -shift);
}
/** A real value (exact in a double) to an integer by the rule. */
function roundReal(v, rounding) {
    if (rounding === 'floor')
        return Math.floor(v);
    return rounding === 'nearest' ? Math.floor(v + 0.5) : roundHalfEven(v);
}
/** pow2 rescale by 2^-k: an arithmetic right shift by k (k > 0) with the rule; k <= 0 multiplies exactly. */
function shiftRound(x, k, rounding) {
    if (k <= 0)
        return x * 2 ** -k;
    return roundReal(x / 2 ** k, rounding);
}
/** num / den by the rule, for integers, den > 0 (pow2 averages); exact. */
function divideRound(num, den, rounding) {
    const q = Math.floor(num / den);
    if (rounding === 'floor')
        return q;
    const twice = 2 * (num - q * den);
    if (twice !== den)
        return twice > den ? q + 1 : q;
    return rounding === 'nearest' || q % 2 !== 0 ? q + 1 : q;
}
/** The integer k with 2^k = ratio, or undefined when the ratio is not a power of two. */
function exactLog2(ratio) {
    if (!(ratio > 0) || !Number.isFinite(ratio))
        return undefined;
    const k = Math.round(Math.log2(ratio));
    return 2 ** k === ratio ? k : undefined;
}
const clamp = (v, lo, hi) => (v < lo ? lo : v > hi ? hi : v);
/**
 * pow2 rescale of an integer x by a ratio of scales: where the ratio is 2^-k (every rescale of a pure pow2
 * graph), the shift `shiftRound(x, k)`; otherwise (a scale the TFLite spec fixes, or a product of two
 * activations whose input_scale is not a power of two) the exact product x * ratio, rounded by the same
 * rule.
 */
function pow2Scaler(ratio, rounding) {
    const k = exactLog2(1 / ratio);
    if (k !== undefined && 2 ** -k === ratio) {
        // shiftRound(x, k, rounding), its branches taken once here: the pair tables of MUL and ADD call this
        // 65,536 times each (x / 2^k is exact, so the value is the same).
        if (k <= 0)
            return (x) => x * ratio;
        const d = 2 ** k;
        if (rounding === 'floor')
            return (x) => Math.floor(x / d);
        if (rounding === 'nearest')
            return (x) => Math.floor(x / d + 0.5);
        return (x) => roundHalfEven(x / d);
    }
    if (rounding === 'floor')
        return (x) => Math.floor(x * ratio);
    if (rounding === 'nearest')
        return (x) => Math.floor(x * ratio + 0.5);
    return (x) => roundHalfEven(x * ratio);
}
/** pow2 mean: x * ratio / n rounded by the rule, in integers (x 2^i / (n 2^j)) when the ratio is 2^(i-j). */
function pow2Averager(ratio, n, rounding) {
    const e = exactLog2(ratio);
    if (e === undefined)
        return pow2Scaler(ratio / n, rounding);
    const num = 2 ** Math.max(0, e);
    const den = n * 2 ** Math.max(0, -e);
    return (x) => divideRound(x * num, den, rounding);
}
//# sourceMappingURL=fixed-point.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/transcendental.js

/**
 * A table entry for a real function of the input. affine follows TFLite's int8 lookup table (LUTPopulate):
 * dequantize, transform and rescale in float32, round half away from zero. pow2 evaluates the function
 * exactly and rounds by the scheme's rule. `f32` is the function as float32 code computes it.
 */
function realFunctionEntry(cx, x, y, exact, f32) {
    if (cx.arith.scheme === 'affine') {
        const inverse = Math.fround(1 / y.scale);
        return (q) => {
            const v = Math.fround(x.scale * (q - x.zeroPoint));
            return roundHalfAway(Math.fround(f32(v) * inverse)) + y.zeroPoint;
        };
    }
    const rounding = cx.arith.rounding;
    return (q) => roundReal(exact((q - x.zeroPoint) * x.scale) / y.scale, rounding) + y.zeroPoint;
}
//# sourceMappingURL=transcendental.js.map
;// CONCATENATED MODULE: ./lib/ir/attrs.js
function attrInt(node, name, fallback) {
    const a = node.attrs[name];
    return a?.kind === 'int' ? a.value : fallback;
}
function attrFloat(node, name, fallback) {
    const a = node.attrs[name];
    return a?.kind === 'float' ? a.value : a?.kind === 'int' ? a.value : fallback;
}
function attrString(node, name, fallback) {
    const a = node.attrs[name];
    return a?.kind === 'string' ? a.value : fallback;
}
function attrInts(node, name, fallback) {
    const a = node.attrs[name];
    return a?.kind === 'ints' ? a.value : fallback;
}
function attrFloats(node, name) {
    const a = node.attrs[name];
    return a?.kind === 'floats' ? a.value : undefined;
}
function attrTensor(node, name) {
    const a = node.attrs[name];
    return a?.kind === 'tensor' ? a.value : undefined;
}
const attrs_int = (value) => ({ kind: 'int', value });
const ints = (value) => ({ kind: 'ints', value });
const attrs_float = (value) => ({ kind: 'float', value });
const floats = (value) => ({ kind: 'floats', value });
const str = (value) => ({ kind: 'string', value });
const tensorAttr = (value) => ({ kind: 'tensor', value });
//# sourceMappingURL=attrs.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/params.js


/** An error that names the node and op it happened in. */
class KernelError extends Error {
    constructor(cx, message) {
        super(`integer executor: node '${cx.node.name}' (${cx.node.opType}): ${message}`);
        this.name = 'KernelError';
    }
}
const INT8_MIN = -128;
const INT8_MAX = 127;
/** Per-tensor parameters of an int8 input or output; throws when there are none or several scales. */
function scalarParams(cx, v, what) {
    const q = v?.q;
    if (!q || q.scale.length === 0)
        throw new KernelError(cx, `${what} '${v?.name ?? ''}' has no quantization parameters`);
    if (q.scale.length !== 1)
        throw new KernelError(cx, `${what} '${v.name}' must be quantized per tensor`);
    return { scale: Math.fround(q.scale[0]), zeroPoint: q.zeroPoint[0] ?? 0 };
}
const inputParams = (cx, i) => scalarParams(cx, cx.inputs[i], `input ${i}`);
/** Output parameters; ops that move values unchanged fall back to their input's. */
function outputParams(cx, i, fallbackInput) {
    const out = cx.outputs[i];
    if (!out?.q && fallbackInput !== undefined)
        return inputParams(cx, fallbackInput);
    return scalarParams(cx, out, `output ${i}`);
}
/** Per-channel (or per-tensor) float32 scales of a constant weight, one per channel. */
function channelScales(cx, w, channels) {
    const q = w.q;
    if (!q || q.scale.length === 0)
        throw new KernelError(cx, `weights '${w.name}' have no quantization parameters`);
    if (q.zeroPoint.some((z) => z !== 0))
        throw new KernelError(cx, `weights '${w.name}' must be symmetric`);
    if (q.scale.length !== 1 && q.scale.length !== channels)
        throw new KernelError(cx, `weights '${w.name}' have ${q.scale.length} scales for ${channels} channels`);
    return Array.from({ length: channels }, (_, c) => Math.fround(q.scale[q.scale.length === 1 ? 0 : c]));
}
/** TFLite ActivationFunctionType codes (schema.fbs). */
const ACT = { NONE: 0, RELU: 1, RELU_N1_TO_1: 2, RELU6: 3 };
const fusedActivation = (cx) => attrInt(cx.node, 'fused_activation_function', 0);
/**
 * The int8 range a fused activation clamps to (TFLite CalculateActivationRangeQuantized): the activation's
 * real bounds quantized with the output's parameters, float32 division, rounded half away from zero.
 */
function activationRange(cx, code, out) {
    const q = (f) => out.zeroPoint + roundHalfAway(Math.fround(f / out.scale));
    switch (code) {
        case ACT.NONE:
            return [INT8_MIN, INT8_MAX];
        case ACT.RELU:
            return [Math.max(INT8_MIN, q(0)), INT8_MAX];
        case ACT.RELU6:
            return [Math.max(INT8_MIN, q(0)), Math.min(INT8_MAX, q(6))];
        case ACT.RELU_N1_TO_1:
            return [Math.max(INT8_MIN, q(-1)), Math.min(INT8_MAX, q(1))];
        default:
            throw new KernelError(cx, `fused activation ${code} is not supported (NONE, RELU, RELU_N1_TO_1, RELU6 are)`);
    }
}
function requireDtype(cx, i, ...dtypes) {
    const v = cx.inputs[i];
    if (!v)
        throw new KernelError(cx, `input ${i} is missing`);
    if (!dtypes.includes(v.dtype))
        throw new KernelError(cx, `input ${i} '${v.name}' is ${v.dtype}; this kernel takes ${dtypes.join(' or ')}`);
    return v;
}
/**
 * The operands of a weighted op (CONV_2D, DEPTHWISE_CONV_2D, FULLY_CONNECTED; TRANSPOSE_CONV has them at
 * other inputs): int8 input, constant int8 weights, optional constant int32 bias.
 */
function weightedOperands(cx, at = { x: 0, w: 1, b: 2 }) {
    const x = requireDtype(cx, at.x, 'int8');
    const w = requireDtype(cx, at.w, 'int8');
    const b = cx.inputs[at.b]?.name ? requireDtype(cx, at.b, 'int32') : undefined;
    if (!w.data)
        throw new KernelError(cx, 'weights must be constant');
    if (b && !b.data)
        throw new KernelError(cx, 'bias must be constant');
    return b ? { x, w, b } : { x, w };
}
/** The values of a constant integer input (axes, shapes, paddings, permutations). */
function constantInts(cx, i, what) {
    const v = cx.inputs[i];
    if (!v?.data)
        throw new KernelError(cx, `${what} (input ${i}) must be a constant`);
    return Array.from(v.data, (x) => Number(x));
}
const sizeOf = (shape) => shape.reduce((a, b) => a * b, 1);
/** The 256-entry table of an int8 -> int8 function, indexed by q + 128. */
function int8Table(f) {
    const t = new Int8Array(256);
    for (let q = INT8_MIN; q <= INT8_MAX; q++)
        t[q + 128] = clamp(f(q), INT8_MIN, INT8_MAX);
    return t;
}
function applyTable(table, x, y) {
    const src = x;
    const dst = y;
    for (let i = 0; i < src.length; i++)
        dst[i] = table[src[i] + 128];
}
//# sourceMappingURL=params.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/unary.js

/**
 * An int8 -> int8 op on per-tensor parameters is a function of 256 inputs: `prepare` evaluates the
 * scheme's arithmetic for each and `run` looks the answers up, which is the same numbers, faster.
 * `float32` is the op on float32 tensors, for the float islands a converted graph keeps between
 * DEQUANTIZE and QUANTIZE (each result the float32 rounding of the exact value, as IEEE code gives it).
 */
function unaryKernel(opType, entry, float32) {
    return {
        opType,
        prepare(cx) {
            const x = requireDtype(cx, 0, ...(entry ? ['int8'] : []), ...(float32 ? ['float32'] : []));
            if (x.dtype === 'float32')
                return floatUnary(x.shape, float32);
            const table = int8Table(entry(cx, inputParams(cx, 0), outputParams(cx, 0, 0)));
            return {
                outputs: [{ dtype: 'int8', shape: [...x.shape] }],
                lookup: { unary: table, input: 0 },
                run([input], [output]) {
                    applyTable(table, input, output);
                },
            };
        },
    };
}
function floatUnary(shape, f) {
    return {
        outputs: [{ dtype: 'float32', shape: [...shape] }],
        run([input], [output]) {
            const [src, dst] = [input, output];
            for (let i = 0; i < src.length; i++)
                dst[i] = f(src[i]);
        },
    };
}
//# sourceMappingURL=unary.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/common/builtin.js


function defineBuiltin(spec) {
    const code = schema_BuiltinOperator[spec.name];
    if (code === undefined)
        throw new Error(`TFLite builtins: ${spec.name} is not in enum BuiltinOperator`);
    if (spec.kernel && spec.kernel.opType !== spec.name)
        throw new Error(`TFLite builtins: ${spec.name}'s kernel is registered as ${spec.kernel.opType}`);
    return { ...spec, code };
}
/**
 * The bounds of the activation a node applies to its own output (fused_activation_function): RELU
 * [0, inf), RELU6 [0, 6], RELU_N1_TO_1 [-1, 1]; NaN bounds for one that is no clip (TANH, SIGN_BIT);
 * undefined for none.
 */
function fusedClip(node) {
    const code = attrInt(node, 'fused_activation_function', 0);
    const bounds = { 1: [0, Infinity], 2: [-1, 1], 3: [0, 6] };
    return code === 0 ? undefined : (bounds[code] ?? [NaN, NaN]);
}
/**
 * A conv or FC's channels: filter input 1, bias 2, output channels on `output`, a group's input channels
 * on `input`; groups from the input's channel count (channels last) over the filter's.
 */
function weightedChannels(output, input) {
    return (node, g) => {
        const w = g.initializers.get(node.inputs[1] ?? '');
        if (!w || w.dims.length <= Math.max(output, input))
            return undefined;
        const x = g.typeOf(node.inputs[0]);
        const c = x?.kind === 'tensor' ? x.shape?.at(-1) : undefined;
        const perGroup = w.dims[input];
        const groups = typeof c === 'number' && c > 0 && c % perGroup === 0 ? c / perGroup : 1;
        return { index: 1, bias: 2, output, input, groups, clip: fusedClip(node) };
    };
}
//# sourceMappingURL=builtin.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/common/int8.js
/** Outputs in [0, 1] (LOGISTIC, SOFTMAX): scale 1/256, zero point -128. */
const UNIT_INTERVAL_OUTPUT = { scale: 1 / 256, zeroPoint: -128 };
/** Outputs in [-1, 1] (TANH): scale 1/128, zero point 0. */
const SIGNED_UNIT_OUTPUT = { scale: 1 / 128, zeroPoint: 0 };
const dataInput = () => [0];
const binaryInputs = () => [0, 1];
const presentInputs = (n) => n.inputs.flatMap((v, i) => (v ? [i] : []));
const calibrated = { activations: dataInput, output: 'calibrated' };
const sameAsInput = { activations: dataInput, output: 'same-as-input' };
const elementwise = { activations: binaryInputs, output: 'calibrated' };
const binarySameAll = { activations: binaryInputs, output: 'same-all' };
const allSameAll = { activations: presentInputs, output: 'same-all' };
const fixedOutput = (params) => ({ activations: dataInput, output: params });
/** A conv or FC: data input 0, weight 1 per axis `axis`, bias 2. */
const weighted = (axis) => ({
    activations: dataInput,
    weight: { index: 1, axis },
    bias: 2,
    output: 'calibrated',
});
/** A builtin's fixed output parameters; throws when the spec fixes none for it. */
function fixedOutputOf(b) {
    const output = b.int8?.output;
    if (typeof output !== 'object')
        throw new Error(`TFLite builtins: ${b.name} has no fixed output parameters`);
    return output;
}
//# sourceMappingURL=int8.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/common/version.js
const NONE = { shape: [], scales: 0 };
const rank = (t) => t.shape.length;
const inp = (s, i) => s.inputs[i] ?? NONE;
const out = (s, i) => s.outputs[i] ?? NONE;
const is = (t, ...types) => t.type !== undefined && types.includes(t.type);
/** (input 0, input 1, output 0) types all match. */
const io = (s, a, w, o) => is(inp(s, 0), a) && is(inp(s, 1), w) && is(out(s, 0), o);
const hybrid = (s) => io(s, 'FLOAT32', 'INT8', 'FLOAT32');
const opt = (s, name) => s.options[name];
/** Inputs of different shapes broadcast; versions care only about broadcasts above rank 4. */
const broadcast5d = (s) => s.inputs.length >= 2 && Math.max(...s.inputs.map(rank)) > 4 && !sameShape(inp(s, 0), inp(s, 1));
/** First matching [condition, version]; 1 when none matches. */
const first = (...cases) => (s) => cases.find(([when]) => when(s))?.[1] ?? 1;
/** Version 1 whatever the signature (CUSTOM, and builtins whose later versions this project never writes). */
const always1 = () => 1;
const int16Int8 = first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]);
const int16PoolLike = first([(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]);
function sameShape(a, b) {
    return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}
//# sourceMappingURL=version.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/ABS.js







/**
 * |x|; int8 (version 2). affine, as TFLite's AbsEvalQuantized: |q - z_x| rescaled by s_x / s_y in fixed
 * point (MultiplyByQuantizedMultiplier) plus z_y. pow2: the exact value rounded by the scheme's rule.
 */
const kernel = unaryKernel('ABS', (cx, x, y) => {
    if (cx.arith.scheme !== 'affine')
        return realFunctionEntry(cx, x, y, Math.abs, Math.abs);
    const m = quantizeMultiplier(x.scale / y.scale);
    return (q) => multiplyByQuantizedMultiplier(Math.abs(q - x.zeroPoint), m.multiplier, m.shift) + y.zeroPoint;
}, Math.abs);
const ABS = defineBuiltin({
    name: 'ABS',
    options: optionsTable('AbsOptions'),
    version: first([(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
    int8: calibrated,
    kernel,
});
//# sourceMappingURL=ABS.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/add-sub.js

/** TFLite int8 ADD/SUB: inputs moved to 2^20 times a common scale, summed, rescaled to the output. */
const LEFT_SHIFT = 20;
/** a + sign b in the scheme's arithmetic (sign -1 for SUB). */
function addSubPair(cx, p, sign) {
    if (cx.arith.scheme === 'pow2')
        return pow2Pair(p, sign, cx.arith.rounding);
    return cx.arith.affineKernels === 'litert' ? xnnpackPair(p, sign) : affinePair(p, sign);
}
/**
 * XNNPACK's int8 add (LiteRT's path; SUB is an add with the second scale negated): multipliers
 * s / s_out in float32 scaled by 2^shift so that the larger lies in [2^20, 2^21), rounded half to even;
 * (bias + a m_a + b m_b) >> shift with bias 2^(shift-1), + z_out.
 */
function xnnpackPair({ a, b, out }, sign) {
    const ra = Math.fround(a.scale / out.scale);
    const rb = Math.fround(b.scale / out.scale);
    const exponent = Math.floor(Math.log2(Math.max(ra, rb)));
    const shift = 20 - exponent;
    const ma = roundHalfEven(ra * 2 ** shift);
    const mb = sign * roundHalfEven(rb * 2 ** shift);
    const rounding = 2 ** (shift - 1);
    return (qa, qb) => Math.floor((rounding + (qa - a.zeroPoint) * ma + (qb - b.zeroPoint) * mb) / 2 ** shift) + out.zeroPoint;
}
function affinePair({ a, b, out }, sign) {
    const twiceMax = 2 * Math.max(a.scale, b.scale);
    const ma = quantizeMultiplier(a.scale / twiceMax);
    const mb = quantizeMultiplier(b.scale / twiceMax);
    const mo = quantizeMultiplier(twiceMax / Math.fround(2 ** LEFT_SHIFT * out.scale));
    const scaled = (q, z, m) => multiplyByQuantizedMultiplier((q - z) * 2 ** LEFT_SHIFT, m.multiplier, m.shift);
    return (qa, qb) => {
        const raw = scaled(qa, a.zeroPoint, ma) + sign * scaled(qb, b.zeroPoint, mb);
        return multiplyByQuantizedMultiplier(raw | 0, mo.multiplier, mo.shift) + out.zeroPoint;
    };
}
/**
 * DESIGN.md pow2: both inputs shifted to the finer exponent (exact), summed, shifted to the output's:
 * floor((A 2^i + B 2^j) / 2^k) = floor(A s_a / s_out + B s_b / s_out), which is also how an operand off the
 * activations' grid (a constant with its own power-of-two scale) is rescaled, exactly, then rounded.
 */
function pow2Pair({ a, b, out }, sign, rounding) {
    const ra = a.scale / out.scale;
    const rb = (sign * b.scale) / out.scale;
    return (qa, qb) => roundReal((qa - a.zeroPoint) * ra + (qb - b.zeroPoint) * rb, rounding) + out.zeroPoint;
}
//# sourceMappingURL=add-sub.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/binary.js

/**
 * An elementwise op with NumPy broadcasting. On int8, per-tensor parameters make the result a function
 * of the pair (qa, qb) alone, so `prepare` evaluates the scheme's arithmetic once for all 65,536 pairs and
 * `run` is a table lookup: the same numbers as evaluating it per element, at a fraction of the cost.
 */
function binaryKernel(spec) {
    return {
        opType: spec.opType,
        prepare(cx) {
            const a = requireDtype(cx, 0, ...(spec.int8 ? ['int8'] : []), ...(spec.float32 ? ['float32'] : []));
            const b = requireDtype(cx, 1, a.dtype);
            const plan = broadcastPlan(cx, a.shape, b.shape);
            return a.dtype === 'float32'
                ? floatKernel(cx, spec.float32, plan)
                : int8Kernel(cx, spec.opType, spec.int8, plan);
        },
    };
}
function int8Kernel(cx, opType, pairOf, plan) {
    const p = { a: inputParams(cx, 0), b: inputParams(cx, 1), out: outputParams(cx, 0) };
    const [lo, hi] = activationRange(cx, fusedActivation(cx), p.out);
    const row = constantRow(cx, opType, p, lo, hi, pairOf, plan);
    if (row)
        return row;
    const { table, byB } = pairTables(cx, opType, p, lo, hi, pairOf);
    const size = (shape) => shape.reduce((m, d) => m * d, 1);
    const same = [0, 1].every((i) => size(cx.inputs[i].shape) === size(plan.shape));
    return {
        outputs: [{ dtype: 'int8', shape: plan.shape }],
        lookup: same ? { pair: table } : undefined,
        run([x, y], [out]) {
            const a = x;
            const b = y;
            const o = out;
            if (a.length === o.length && b.length === o.length) {
                for (let i = 0; i < o.length; i++)
                    o[i] = table[((a[i] + 128) << 8) | (b[i] + 128)];
            }
            else if (b.length === 1) {
                // A constant operand (hard-swish's scale and offset): one row of the table.
                const row = byB.subarray((b[0] + 128) << 8);
                for (let i = 0; i < o.length; i++)
                    o[i] = row[a[i] + 128];
            }
            else {
                lookupPairs(plan, table, byB, a, b, o);
            }
        },
    };
}
/**
 * An op whose operand is a one-element constant (PP-OCRv4 det's 86 hard-swish MUL/ADD by a scalar) reads
 * one row of its pair table: only that row's 256 pairs are evaluated, not the table's 65,536 (the tables
 * were a third of the det executor's setup). The same pair function, so the same numbers.
 */
function constantRow(cx, opType, p, lo, hi, pairOf, plan) {
    const [ca, cb] = [cx.inputs[0]?.data, cx.inputs[1]?.data];
    const which = cb?.length === 1 ? 1 : ca?.length === 1 ? 0 : -1;
    if (which < 0)
        return undefined;
    const c = Number((which === 1 ? cb : ca)[0]);
    let byArith = ROWS.get(cx.arith);
    if (!byArith)
        ROWS.set(cx.arith, (byArith = new Map()));
    const key = JSON.stringify([opType, p.a, p.b, p.out, lo, hi, which, c]);
    let row = byArith.get(key);
    if (!row) {
        const f = pairOf(cx, p);
        row = new Int8Array(256);
        for (let q = -128; q < 128; q++) {
            const v = which === 1 ? f(q, c) : f(c, q);
            row[q + 128] = v < lo ? lo : v > hi ? hi : v;
        }
        byArith.set(key, row);
    }
    const lut = row;
    return {
        outputs: [{ dtype: 'int8', shape: plan.shape }],
        lookup: { unary: lut, input: 1 - which },
        run(inputs, [out]) {
            // The other operand has the output's elements in order: the constant's one element broadcasts.
            const x = inputs[1 - which];
            const o = out;
            for (let i = 0; i < o.length; i++)
                o[i] = lut[x[i] + 128];
        },
    };
}
/** Rows of pair tables for a constant operand (constantRow), keyed as TABLES, then which one and its value. */
const ROWS = new WeakMap();
/** An op's tables (see pairTables), by arithmetic (one executor's), then op and parameters. */
const TABLES = new WeakMap();
/**
 * The op's result for all 65,536 pairs (qa, qb), clamped to [lo, hi]: `table` indexed (qa, qb), `byB`
 * (qb, qa). A pair function depends only on the arithmetic and the parameters (BinarySpec.int8), so ops
 * of one executor with the same ones share their tables (PP-OCRv4 det's hard-swishes, decomposed into
 * MUL/ADD/MINIMUM on power-of-two scales, repeat a few parameter sets many times).
 */
function pairTables(cx, opType, p, lo, hi, pairOf) {
    let byArith = TABLES.get(cx.arith);
    if (!byArith)
        TABLES.set(cx.arith, (byArith = new Map()));
    const key = JSON.stringify([opType, p.a, p.b, p.out, lo, hi]);
    const known = byArith.get(key);
    if (known)
        return known;
    const f = pairOf(cx, p);
    const table = new Int8Array(65536);
    for (let qa = -128; qa < 128; qa++) {
        for (let qb = -128; qb < 128; qb++) {
            const v = f(qa, qb);
            table[((qa + 128) << 8) | (qb + 128)] = v < lo ? lo : v > hi ? hi : v;
        }
    }
    const byB = new Int8Array(65536);
    for (let i = 0; i < 65536; i++)
        byB[((i & 255) << 8) | (i >> 8)] = table[i];
    const tables = { table, byB };
    byArith.set(key, tables);
    return tables;
}
/**
 * forEachPair for the int8 table, its inner loop written out: a call per element cost more than the lookup
 * (PP-OCRv4 det at 640x640, per-channel and per-pixel products: forEachPair and its callback were a sixth of a device run).
 */
function lookupPairs(p, table, byB, a, b, o) {
    const rank = p.strideA.length;
    const inner = p.shape.length ? p.shape[rank - 1] : 1;
    const sa = p.strideA[rank - 1];
    const sb = p.strideB[rank - 1];
    const index = new Array(rank).fill(0);
    const off = [0, 0];
    for (let i = 0; i < o.length; i += inner) {
        const offA = off[0];
        const offB = off[1];
        if (sb === 0) {
            const row = byB.subarray((b[offB] + 128) << 8);
            for (let j = 0, xa = offA; j < inner; j++, xa += sa)
                o[i + j] = row[a[xa] + 128];
        }
        else {
            for (let j = 0, xa = offA, xb = offB; j < inner; j++, xa += sa, xb += sb)
                o[i + j] = table[((a[xa] + 128) << 8) | (b[xb] + 128)];
        }
        nextRow(p, index, off);
    }
}
const FLOAT_RANGE = {
    [ACT.NONE]: [-Infinity, Infinity],
    [ACT.RELU]: [0, Infinity],
    [ACT.RELU_N1_TO_1]: [-1, 1],
    [ACT.RELU6]: [0, 6],
};
function floatKernel(cx, op, plan) {
    const range = FLOAT_RANGE[fusedActivation(cx)];
    if (!range)
        throw new KernelError(cx, `fused activation ${fusedActivation(cx)} is not supported`);
    const [lo, hi] = range;
    return {
        outputs: [{ dtype: 'float32', shape: plan.shape }],
        run([x, y], [out]) {
            const a = x;
            const b = y;
            const o = out;
            forEachPair(plan, o.length, (i, ia, ib) => {
                const v = Math.fround(op(a[ia], b[ib]));
                o[i] = v < lo ? lo : v > hi ? hi : v;
            });
        },
    };
}
function broadcastPlan(cx, sa, sb) {
    const rank = Math.max(sa.length, sb.length, 1);
    const pa = [...Array(rank - sa.length).fill(1), ...sa];
    const pb = [...Array(rank - sb.length).fill(1), ...sb];
    const shape = pa.map((d, i) => {
        const e = pb[i];
        if (d !== e && d !== 1 && e !== 1)
            throw new KernelError(cx, `shapes [${sa}] and [${sb}] do not broadcast`);
        return d === 1 ? e : d;
    });
    const strides = (p) => {
        const s = new Array(rank).fill(0);
        let acc = 1;
        for (let i = rank - 1; i >= 0; i--) {
            s[i] = p[i] === 1 ? 0 : acc;
            acc *= p[i];
        }
        return s;
    };
    return {
        shape: sa.length === 0 && sb.length === 0 ? [] : shape,
        strideA: strides(pa),
        strideB: strides(pb),
    };
}
/** Calls `f(out, a, b)` with the flat indices of every output element and the inputs it reads. */
function forEachPair(p, total, f) {
    const rank = p.strideA.length;
    const inner = p.shape.length ? p.shape[rank - 1] : 1;
    const ia = p.strideA[rank - 1];
    const ib = p.strideB[rank - 1];
    const index = new Array(rank).fill(0);
    const off = [0, 0];
    for (let o = 0; o < total; o += inner) {
        for (let j = 0, xa = off[0], xb = off[1]; j < inner; j++, xa += ia, xb += ib)
            f(o + j, xa, xb);
        nextRow(p, index, off);
    }
}
/** Advances the outer index (all axes but the last) odometer style, and the offsets of a and b with it. */
function nextRow(p, index, off) {
    for (let d = p.strideA.length - 2; d >= 0; d--) {
        index[d]++;
        off[0] += p.strideA[d];
        off[1] += p.strideB[d];
        if (index[d] < p.shape[d])
            return;
        off[0] -= p.strideA[d] * index[d];
        off[1] -= p.strideB[d] * index[d];
        index[d] = 0;
    }
}
//# sourceMappingURL=binary.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/requantize.js

/**
 * An int8 value re-expressed with other parameters (QUANTIZE int8 -> int8, CONCATENATION inputs).
 * affine reference: TFLite Requantize, z_y + MultiplyByQuantizedMultiplier(q - z_x, s_x / s_y), the ratio
 * in double. affine litert: XNNPACK's convert, an 8-bit multiplier m = rne(256 s_x / s_y),
 * ((q - z_x) m + 128) >> 8, + z_y. pow2: a shift by log2(s_y / s_x) (`pow2Scaler`).
 */
function requantizeFunction(cx, x, y) {
    if (x.scale === y.scale && x.zeroPoint === y.zeroPoint)
        return (q) => q;
    if (cx.arith.scheme === 'pow2')
        return pow2Requantize(cx, x, y);
    if (cx.arith.affineKernels === 'litert')
        return q8Function(x, y, Math.fround(x.scale / y.scale));
    const m = quantizeMultiplier(x.scale / y.scale);
    return (q) => multiplyByQuantizedMultiplier(q - x.zeroPoint, m.multiplier, m.shift) + y.zeroPoint;
}
/** XNNPACK's 8-bit-multiplier rescale of q - z_x by `ratio` (convert, leaky ReLU). */
function q8Function(x, y, ratio) {
    const m = roundHalfEven(Math.fround(256 * ratio));
    return (q) => Math.floor(((q - x.zeroPoint) * m + 128) / 256) + y.zeroPoint;
}
/** TFLite QuantizedReluX's rescale: the ratio s_x / s_y in float32, as a fixed-point multiplier. */
function reluRescale(cx, x, y) {
    if (cx.arith.scheme === 'pow2')
        return pow2Requantize(cx, x, y);
    const m = quantizeMultiplier(Math.fround(x.scale / y.scale));
    return (q) => multiplyByQuantizedMultiplier(q - x.zeroPoint, m.multiplier, m.shift) + y.zeroPoint;
}
function pow2Requantize(cx, x, y) {
    const scale = pow2Scaler(x.scale / y.scale, cx.arith.rounding);
    return (q) => scale(q - x.zeroPoint) + y.zeroPoint;
}
//# sourceMappingURL=requantize.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/min-max.js

/**
 * MINIMUM/MAXIMUM on int8: TFLite compares the stored values, its inputs sharing the output's parameters;
 * inputs with other parameters are first requantized to the output's (identity when they share them).
 */
function pickPair(cx, p, pick) {
    const ra = requantizeFunction(cx, p.a, p.out);
    const rb = requantizeFunction(cx, p.b, p.out);
    return (qa, qb) => pick(ra(qa), rb(qb));
}
//# sourceMappingURL=min-max.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/common/families.js











/**
 * Builtins that differ only in one function or constant are made by one factory here; each still has
 * its own file, which says what sets it apart.
 */
/** ADD and SUB: elementwise with broadcasting, calibrated output, the exponents aligned by shifts. */
function addSub(name, sign, version) {
    const table = name === 'ADD' ? 'AddOptions' : 'SubOptions';
    return defineBuiltin({
        name,
        options: optionsTable(table, [activation, field('pot_scale_int16', 'bool', true)]),
        version,
        int8: elementwise,
        kernel: binaryKernel({
            opType: name,
            int8: (cx, p) => addSubPair(cx, p, sign),
            float32: sign > 0 ? (a, b) => a + b : (a, b) => a - b,
        }),
    });
}
/**
 * MAXIMUM and MINIMUM: TFLite compares the stored values, so inputs and output share one set of
 * parameters (TFLite int8 spec).
 */
function minMax(name, pick) {
    return defineBuiltin({
        floorShift: 'exact',
        name,
        options: optionsTable('MaximumMinimumOptions'),
        version: first([(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16'), 4], [broadcast5d, 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
        int8: binarySameAll,
        kernel: binaryKernel({ opType: name, int8: (cx, p) => pickPair(cx, p, pick), float32: pick }),
    });
}
/**
 * RELU and RELU6: requantize to the output's parameters, clamp to the activation's range (TFLite
 * QuantizedReluX). A preceding op's int8 output can take this range and clip for free.
 */
function relu(name, code, version) {
    return defineBuiltin({
        floorShift: 'exact',
        name,
        options: null,
        version,
        int8: { ...calibrated, clips: true },
        // RELU6's bound is one value for all channels.
        positivelyHomogeneous: name === 'RELU',
        kernel: unaryKernel(name, (cx, x, y) => {
            const f = reluRescale(cx, x, y);
            const [lo, hi] = activationRange(cx, code, y);
            return (q) => Math.min(hi, Math.max(lo, f(q)));
        }),
    });
}
/**
 * LOGISTIC and TANH: the spec fixes the output's parameters; the kernel evaluates the real function on
 * the file's parameters (double for pow2, float32 as LiteRT for affine).
 */
function squashing(name, output, real, real32, version) {
    return defineBuiltin({
        floorShift: 'table',
        name,
        options: null,
        version,
        int8: fixedOutput(output),
        keepsExtremes: true,
        kernel: unaryKernel(name, (cx, x, y) => realFunctionEntry(cx, x, y, real, real32)),
    });
}
//# sourceMappingURL=families.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/ADD.js


const ADD = addSub('ADD', 1, first([(s) => is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0, 5], [(s) => is(inp(s, 0), 'INT64'), 4], [(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 3], [(s) => is(inp(s, 0), 'INT8'), 2]));
//# sourceMappingURL=ADD.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/ARG_MAX.js



/** The index of the largest element along the axis of input 1 (the axis dropped); output_type INT32/INT64. */
const ARG_MAX = defineBuiltin({
    name: 'ARG_MAX',
    options: optionsTable('ArgMaxOptions', [field('output_type', 'byte')]),
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
});
//# sourceMappingURL=ARG_MAX.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/ARG_MIN.js



/** The index of the smallest element along the axis of input 1 (the axis dropped); output_type INT32/INT64. */
const ARG_MIN = defineBuiltin({
    name: 'ARG_MIN',
    options: optionsTable('ArgMinOptions', [field('output_type', 'byte')]),
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
});
//# sourceMappingURL=ARG_MIN.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/window.js


/** TFLite Padding codes (schema.fbs). */
const PADDING = { SAME: 0, VALID: 1 };
/** Strides, dilations and padding of a conv or pool node (filter size from the caller). */
function windowAttrs(cx, kH, kW) {
    const n = cx.node;
    const a = {
        kH,
        kW,
        strideH: attrInt(n, 'stride_h', 1),
        strideW: attrInt(n, 'stride_w', 1),
        dilationH: attrInt(n, 'dilation_h_factor', 1),
        dilationW: attrInt(n, 'dilation_w_factor', 1),
        padding: attrInt(n, 'padding', PADDING.SAME),
    };
    if (a.strideH < 1 || a.strideW < 1 || a.dilationH < 1 || a.dilationW < 1)
        throw new KernelError(cx, 'strides and dilations must be positive');
    if (a.padding !== PADDING.SAME && a.padding !== PADDING.VALID)
        throw new KernelError(cx, `padding ${a.padding} is not SAME (0) or VALID (1)`);
    return a;
}
/** Output size and padding as TFLite computes them (ComputePaddingHeightWidth: the odd pixel goes after). */
function windowGeometry(inH, inW, a) {
    const effH = (a.kH - 1) * a.dilationH + 1;
    const effW = (a.kW - 1) * a.dilationW + 1;
    const out = (size, eff, stride) => a.padding === PADDING.SAME
        ? Math.ceil(size / stride)
        : Math.max(0, Math.floor((size - eff + stride) / stride));
    const outH = out(inH, effH, a.strideH);
    const outW = out(inW, effW, a.strideW);
    const before = (o, stride, eff, size) => Math.floor(Math.max(0, (o - 1) * stride + eff - size) / 2);
    const padTop = before(outH, a.strideH, effH, inH);
    const padLeft = before(outW, a.strideW, effW, inW);
    return {
        outH,
        outW,
        padTop,
        padLeft,
        padBottom: Math.max(0, (outH - 1) * a.strideH + effH - padTop - inH),
        padRight: Math.max(0, (outW - 1) * a.strideW + effW - padLeft - inW),
    };
}
/**
 * One NHWC int8 image inside a border of the input's zero point, so that conv loops read every tap
 * without bounds checks (a tap in the border reads z_in, which the zero-point correction
 * Σ(x - z) w = Σ x w - z Σw cancels). The buffer is int8 (for WebAssembly) or doubles (JS loops,
 * packed.ts), owned here or a view the caller passes (WebAssembly memory).
 */
class PaddedImage {
    inH;
    inW;
    channels;
    w;
    fill;
    height;
    width;
    constructor(inH, inW, channels, w, fill) {
        this.inH = inH;
        this.inW = inW;
        this.channels = channels;
        this.w = w;
        this.fill = fill;
        this.height = inH + w.padTop + w.padBottom;
        this.width = inW + w.padLeft + w.padRight;
    }
    get size() {
        return this.height * this.width * this.channels;
    }
    /** A buffer of this image's size, border (and all) set to the zero point. */
    allocate(Ctor) {
        const buffer = new Ctor(this.size);
        buffer.fill(this.fill);
        return buffer;
    }
    /**
     * Sets the border of `buffer` (a buffer at least this image's size, whose border other kernels may have
     * written: the arena's shared scratch) to the zero point; the interior is left to `load`.
     */
    border(buffer) {
        const { padTop, padBottom, padLeft, padRight } = this.w;
        const row = this.width * this.channels;
        const [left, right] = [padLeft * this.channels, padRight * this.channels];
        buffer.fill(this.fill, 0, padTop * row);
        buffer.fill(this.fill, (this.height - padBottom) * row, this.height * row);
        if (left || right)
            for (let h = padTop; h < this.height - padBottom; h++) {
                if (left)
                    buffer.fill(this.fill, h * row, h * row + left);
                if (right)
                    buffer.fill(this.fill, (h + 1) * row - right, (h + 1) * row);
            }
        return buffer;
    }
    /**
     * Copies image `batch` of x into the interior of `buffer` (whose border keeps the zero point), a row
     * at a time as one block copy (byte by byte, PP-OCRv4 det's loads were 8% of a device run at 640x640).
     */
    load(x, batch, buffer) {
        const row = this.inW * this.channels;
        for (let h = 0; h < this.inH; h++) {
            const from = batch * this.inH * row + h * row;
            const to = ((h + this.w.padTop) * this.width + this.w.padLeft) * this.channels;
            buffer.set(x.subarray(from, from + row), to);
        }
        return buffer;
    }
}
//# sourceMappingURL=window.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/pool.js




function poolSetup(cx) {
    const input = requireDtype(cx, 0, 'int8');
    const [N, H, W, C] = input.shape;
    const kH = attrInt(cx.node, 'filter_height', 1);
    const kW = attrInt(cx.node, 'filter_width', 1);
    const a = windowAttrs(cx, kH, kW);
    const x = inputParams(cx, 0);
    const y = outputParams(cx, 0, 0);
    const [lo, hi] = activationRange(cx, fusedActivation(cx), y);
    const requant = requantizeFunction(cx, x, y);
    return {
        shape: { N, H, W, C, kH, kW, strideH: a.strideH, strideW: a.strideW, geo: windowGeometry(H, W, a) },
        x,
        y,
        finish: int8Table((q) => Math.min(hi, Math.max(lo, requant(q)))),
        clampOnly: int8Table((q) => Math.min(hi, Math.max(lo, q))),
    };
}
/**
 * Runs a pooling window over NHWC int8: for each output pixel, `reduce` gets the in-bounds window
 * (rows [h0,h1), columns [w0,w1)) and writes C outputs at `out`.
 */
function poolKernel(s, reduce) {
    const { N, H, W, C, kH, kW, strideH, strideW, geo } = s;
    return {
        outputs: [{ dtype: 'int8', shape: [N, geo.outH, geo.outW, C] }],
        run([input], [output]) {
            const x = input;
            const y = output;
            for (let n = 0; n < N; n++) {
                for (let oh = 0; oh < geo.outH; oh++) {
                    const top = oh * strideH - geo.padTop;
                    const h0 = Math.max(0, top);
                    const h1 = Math.min(H, top + kH);
                    for (let ow = 0; ow < geo.outW; ow++) {
                        const left = ow * strideW - geo.padLeft;
                        const out = ((n * geo.outH + oh) * geo.outW + ow) * C;
                        reduce(x, n * H * W * C, h0, h1, Math.max(0, left), Math.min(W, left + kW), y, out);
                    }
                }
            }
        },
    };
}
//# sourceMappingURL=pool.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/AVERAGE_POOL_2D.js






/**
 * Mean over the in-bounds part of each window (count = taps inside the input). affine (TFLite reference,
 * which LiteRT runs): the sum of the stored int8 values divided by the count, rounded half away from zero.
 * pow2: Σ(q - z_x) (s_x / s_y) / count with the scheme's rounding (`pow2Averager`).
 */
const AVERAGE_POOL_2D_kernel = {
    opType: 'AVERAGE_POOL_2D',
    prepare(cx) {
        const { shape, finish, clampOnly, x, y } = poolSetup(cx);
        const { W, C, kH, kW } = shape;
        const acc = new Int32Array(C);
        const pow2 = cx.arith.scheme === 'pow2';
        const averagers = Array.from({ length: kH * kW + 1 }, (_, n) => pow2 && n > 0 ? pow2Averager(x.scale / y.scale, n, cx.arith.rounding) : undefined);
        return poolKernel(shape, (src, base, h0, h1, w0, w1, dst, out) => {
            acc.fill(0);
            for (let h = h0; h < h1; h++) {
                for (let w = w0; w < w1; w++) {
                    const o = base + (h * W + w) * C;
                    for (let c = 0; c < C; c++)
                        acc[c] = acc[c] + src[o + c];
                }
            }
            const count = (h1 - h0) * (w1 - w0);
            const average = averagers[count];
            if (average) {
                for (let c = 0; c < C; c++) {
                    const v = average(acc[c] - count * x.zeroPoint) + y.zeroPoint;
                    dst[out + c] = clampOnly[(v < -128 ? -128 : v > 127 ? 127 : v) + 128];
                }
                return;
            }
            const half = count >> 1;
            for (let c = 0; c < C; c++) {
                const s = acc[c];
                const v = Math.trunc(s > 0 ? (s + half) / count : (s - half) / count);
                dst[out + c] = finish[v + 128];
            }
        });
    },
};
const AVERAGE_POOL_2D = defineBuiltin({
    name: 'AVERAGE_POOL_2D',
    positivelyHomogeneous: true,
    options: POOL_2D_OPTIONS,
    version: int16PoolLike,
    int8: sameAsInput,
    kernel: AVERAGE_POOL_2D_kernel,
});
//# sourceMappingURL=AVERAGE_POOL_2D.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/rescale.js


function channelRescale(cx, spec) {
    if (cx.arith.scheme === 'pow2')
        return pow2Rescale(spec, cx.arith, cx.arena());
    const arena = cx.arena();
    if (cx.arith.affineKernels !== 'litert') {
        const js = affineRescale(spec);
        return arena ? { rows: js.rows, native: nativeFixedRescale(arena, spec) } : js;
    }
    const js = floatRescale(spec);
    return arena ? { rows: js.rows, native: nativeFloatRescale(arena, spec) } : js;
}
/**
 * channelRescale for a conv, depthwise conv or FC op from its own operands: the per-channel scales of its
 * weights `w`, its int32 bias `b`, its fused activation's range on `output`; one output channel per entry
 * of `weightSums`.
 */
function weightedRescale(cx, input, w, b, output, weightSums, rows) {
    return channelRescale(cx, {
        input,
        weightScales: channelScales(cx, w, weightSums.length),
        output,
        bias: b?.data,
        weightSums,
        range: activationRange(cx, fusedActivation(cx), output),
        rows,
    });
}
/** Bias and input zero-point correction per channel: acc + b - z_in Σw. */
function addends(spec) {
    return Int32Array.from(spec.weightScales, (_, c) => (spec.bias?.[c] ?? 0) - spec.input.zeroPoint * spec.weightSums[c]);
}
/** affineRescale's arithmetic in the WebAssembly kernel `requantFixed` (int8-module.ts). */
function nativeFixedRescale(arena, spec) {
    const m = spec.weightScales.map((w) => quantizeMultiplier((spec.input.scale * w) / spec.output.scale));
    const table = (f) => Int32Array.from(m, f);
    const zo = spec.output.zeroPoint;
    return scalarNative(arena, spec, arena.requantFixed, addends(spec), [table((q) => q.multiplier), table((q) => Math.max(q.shift, 0)), table((q) => Math.max(-q.shift, 0))], [zo]);
}
/**
 * A scalar WebAssembly requantization: `pre` and the per-channel `tables` copied into the arena once, then
 * kernel(c, rows, n, pre, lo, hi, out, C, ...tables, ...scalars) into a scratch row block and out.
 */
function scalarNative(arena, spec, kernel, pre, tables, scalars = []) {
    const C = pre.length;
    const stored = [pre, ...tables].map((t) => {
        const region = arena.alloc(t.length * 4);
        region.int32().set(t);
        return region.offset;
    });
    const out = arena.scratch(spec.rows * C, 'rows');
    const [lo, hi] = spec.range;
    const [preAt, ...tableAt] = stored;
    return (acc, rows, target, stride) => {
        kernel(acc, rows, stride, preAt, lo, hi, out.offset, C, ...tableAt, ...scalars);
        target.set(out.int8().subarray(0, rows * C));
    };
}
/**
 * pow2Rescale's shifts in the WebAssembly kernel `requantShift` (requant-kernels.ts), four channels a
 * step: each shift k as the float64 2^-k it multiplies by, tables padded to a multiple of 4 channels.
 */
function nativeShiftRescale(arena, spec, pre, k, post) {
    const C = pre.length;
    const padded = Math.ceil(C / 4) * 4;
    const table = (values) => {
        const region = arena.alloc(padded * 4);
        region.int32().set(values);
        return region.offset;
    };
    const scale = arena.alloc(padded * 8);
    scale.float64().set(Array.from(k, (s) => 2 ** -s));
    const [preAt, postAt] = [table(pre), table(post)];
    const out = arena.scratch(spec.rows * C + 8, 'rows');
    const [lo, hi] = spec.range;
    return (acc, rows, target, stride) => {
        arena.requantShift(acc, rows, stride, preAt, lo, hi, out.offset, C, scale.offset, postAt);
        target.set(out.int8().subarray(0, rows * C));
    };
}
/** floatRescale's arithmetic in the WebAssembly kernel `requant` (int8-module.ts), four channels a step. */
function nativeFloatRescale(arena, spec) {
    const C = spec.weightScales.length;
    const padded = Math.ceil(C / 8) * 8;
    const add = arena.alloc(padded * 4);
    add.int32().set(addends(spec));
    const scale = arena.alloc(padded * 4);
    scale
        .float32()
        .set(spec.weightScales.map((w) => Math.fround(Math.fround(spec.input.scale * w) / spec.output.scale)));
    const out = arena.scratch(spec.rows * C + 8, 'rows');
    const [lo, hi] = spec.range;
    return (acc, rows, target, stride) => {
        arena.requant(acc, rows, stride, add.offset, scale.offset, spec.output.zeroPoint, lo, hi, out.offset, C);
        target.set(out.int8().subarray(0, rows * C));
    };
}
/**
 * XNNPACK's fp32 requantization (what LiteRT runs for int8 conv and FC): the channel's scale
 * s_in * s_w / s_out in float32, (float) acc times it in float32, rounded half to even, + z_out.
 */
function floatRescale(spec) {
    const n = spec.weightScales.length;
    const add = addends(spec);
    const scale = Float64Array.from(spec.weightScales, (w) => Math.fround(Math.fround(spec.input.scale * w) / spec.output.scale));
    const zo = spec.output.zeroPoint;
    const [lo, hi] = spec.range;
    return {
        rows(acc, rows, out, stride) {
            for (let r = 0, i = 0; r < rows; r++) {
                for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
                    // Rounded half to even by the magic-number trick; past 2^51 the clamp decides anyway.
                    const v = Math.fround(Math.fround(acc[a] + add[j]) * scale[j]) + rescale_MAGIC - rescale_MAGIC + zo;
                    out[i] = v < lo ? lo : v > hi ? hi : v;
                }
            }
        },
    };
}
/** TFLite reference: acc + bias, MultiplyByQuantizedMultiplier(s_in s_w / s_out), + z_out, clamp. */
function affineRescale(spec) {
    const n = spec.weightScales.length;
    const add = addends(spec);
    const mult = new Int32Array(n);
    const shift = new Int32Array(n);
    for (let c = 0; c < n; c++) {
        const m = quantizeMultiplier((spec.input.scale * spec.weightScales[c]) / spec.output.scale);
        mult[c] = m.multiplier;
        shift[c] = m.shift;
    }
    const zo = spec.output.zeroPoint;
    const [lo, hi] = spec.range;
    return {
        rows(acc, rows, out, stride) {
            for (let r = 0, i = 0; r < rows; r++) {
                for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
                    const v = multiplyByQuantizedMultiplier((acc[a] + add[j]) | 0, mult[j], shift[j]) + zo;
                    out[i] = v < lo ? lo : v > hi ? hi : v;
                }
            }
        },
    };
}
/**
 * DESIGN.md pow2: k = log2(s_out / (s_in s_w)). B16: (acc + b16) >> k; B8: (acc >> k) + b8 with b8 the
 * file's b8 2^k divided back by 2^k; 'nearest' adds 2^(k-1) before the shift; saturation to the range. The
 * rounding is `accumulatorRounding` where given, else `rounding`.
 */
function pow2Rescale(spec, arith, arena) {
    const n = spec.weightScales.length;
    const pre = new Int32Array(n);
    const post = new Int32Array(n);
    const k = new Int32Array(n);
    const scalers = [];
    const rounding = arith.accumulatorRounding ?? arith.rounding;
    for (let c = 0; c < n; c++) {
        const ratio = (spec.input.scale * spec.weightScales[c]) / spec.output.scale;
        const kc = exactLog2(1 / ratio);
        const b = spec.bias?.[c] ?? 0;
        // A ratio that is not 2^-k (an input on a spec-fixed scale): the exact product, same rounding rule.
        k[c] = kc ?? NOT_A_SHIFT;
        scalers[c] = pow2Scaler(ratio, rounding);
        const half = rounding === 'nearest' && kc !== undefined && kc > 0 ? 2 ** (kc - 1) : 0;
        if (rounding === 'even' && kc !== undefined && kc > 0)
            k[c] = NOT_A_SHIFT;
        const b16 = arith.biasMode === 'B16' ? clamp(b, -32768, 32767) : 0;
        const b8 = arith.biasMode === 'B8' ? clamp(roundHalfAway(b * ratio), -128, 127) : 0;
        pre[c] = b16 + half - spec.input.zeroPoint * spec.weightSums[c];
        post[c] = b8 + spec.output.zeroPoint;
    }
    const [lo, hi] = spec.range;
    const shifts = k.every((s) => s >= 0 && s < 32);
    const native = arena && shifts ? nativeShiftRescale(arena, spec, pre, k, post) : undefined;
    return {
        native,
        rows(acc, rows, out, stride) {
            for (let r = 0, i = 0; r < rows; r++) {
                for (let j = 0, a = r * stride; j < n; j++, i++, a++) {
                    const s = k[j];
                    const t = acc[a] + pre[j];
                    const v = (s > 0 && s < 32 ? t >> s : s === NOT_A_SHIFT ? scalers[j](t) : shiftRound(t, s, 'floor')) +
                        post[j];
                    out[i] = v < lo ? lo : v > hi ? hi : v;
                }
            }
        },
    };
}
const NOT_A_SHIFT = -(2 ** 30);
/** 1.5 * 2^52 (see roundHalfEven). */
const rescale_MAGIC = 6755399441055744;
//# sourceMappingURL=rescale.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/BATCH_MATMUL.js







/**
 * x [..., M, K] * y [..., K, N] -> [..., M, N] (adj_x / adj_y: the operand is stored transposed), batch
 * axes broadcast NumPy-style; both operands are activations (the attention products of PP-OCRv4 rec).
 * int8: acc = Σ (a - z_a)(b - z_b) in int32 as TFLite's reference BatchMatMul, then the conv/FC output
 * stage (rescale.ts) with the per-tensor scale s_a s_b / s_out: pow2's shift, TFLite's fixed-point
 * multiplier ('reference'). 'litert': LiteRT hands the op to XNNPACK (float32 scale, ties to even) when
 * y's zero point is 0, and runs TFLite's kernel (the fixed-point multiplier) otherwise; measured on
 * one-op files: with pow2 scales, where ties are frequent, LiteRT agrees with ties-to-even on every
 * element of rec-shaped products ([1, 8, 40, 15] x [1, 8, 15, 40], with and without adj_x, adj_y and a
 * broadcast batch), the fixed-point multiplier missing 0.3-0.5%; with y's zero point -7 it agrees with
 * the fixed-point multiplier (180 of 180) and not with the float32 scale (179).
 */
const BATCH_MATMUL_kernel = {
    opType: 'BATCH_MATMUL',
    prepare(cx) {
        const a = requireDtype(cx, 0, 'int8');
        const b = requireDtype(cx, 1, 'int8');
        if (a.shape.length < 2 || b.shape.length < 2)
            throw new KernelError(cx, `operands must be at least 2-D, got [${a.shape}] and [${b.shape}]`);
        const adjX = attrInt(cx.node, 'adj_x', 0) !== 0;
        const adjY = attrInt(cx.node, 'adj_y', 0) !== 0;
        const [ar, ac] = a.shape.slice(-2);
        const [br, bc] = b.shape.slice(-2);
        const [M, K] = adjX ? [ac, ar] : [ar, ac];
        const [K2, N] = adjY ? [bc, br] : [br, bc];
        if (K !== K2)
            throw new KernelError(cx, `inner sizes differ: [${a.shape}] x [${b.shape}]`);
        // Batch axes, right-aligned and broadcast.
        const aBatch = a.shape.slice(0, -2);
        const bBatch = b.shape.slice(0, -2);
        const rank = Math.max(aBatch.length, bBatch.length);
        const pad = (s) => [...new Array(rank - s.length).fill(1), ...s];
        const [pa, pb] = [pad(aBatch), pad(bBatch)];
        const batch = pa.map((d, i) => {
            const e = pb[i];
            if (d !== e && d !== 1 && e !== 1)
                throw new KernelError(cx, `batch axes [${aBatch}] and [${bBatch}] do not broadcast`);
            return Math.max(d, e);
        });
        const batches = sizeOf(batch);
        const aOffsets = new Int32Array(batches);
        const bOffsets = new Int32Array(batches);
        const index = new Array(rank).fill(0);
        for (let n = 0; n < batches; n++) {
            let ia = 0;
            let ib = 0;
            for (let d = 0; d < rank; d++) {
                ia = ia * pa[d] + (pa[d] === 1 ? 0 : index[d]);
                ib = ib * pb[d] + (pb[d] === 1 ? 0 : index[d]);
            }
            aOffsets[n] = ia * M * K;
            bOffsets[n] = ib * K * N;
            for (let d = rank - 1; d >= 0; d--) {
                if (++index[d] < batch[d])
                    break;
                index[d] = 0;
            }
        }
        const aq = inputParams(cx, 0);
        const bq = inputParams(cx, 1);
        const yq = outputParams(cx, 0);
        // The zero points are taken off in the products below; the output stage sees symmetric operands.
        const arith = cx.arith.affineKernels === 'litert' && bq.zeroPoint !== 0
            ? { ...cx.arith, affineKernels: 'reference' }
            : cx.arith;
        const rescale = channelRescale({ ...cx, arith, arena: () => undefined }, {
            input: { scale: aq.scale, zeroPoint: 0 },
            weightScales: new Array(N).fill(bq.scale),
            output: yq,
            weightSums: new Int32Array(N),
            range: activationRange(cx, ACT.NONE, yq),
            rows: M,
        });
        // Row i of x and column j of y, each contiguous, zero points taken off.
        const rows = new Int32Array(M * K);
        const cols = new Int32Array(N * K);
        const acc = new Int32Array(M * N);
        return {
            outputs: [{ dtype: 'int8', shape: [...batch, M, N] }],
            run([x, y], [output]) {
                const xs = x;
                const ys = y;
                const out = output;
                for (let n = 0; n < batches; n++) {
                    const oa = aOffsets[n];
                    const ob = bOffsets[n];
                    for (let i = 0; i < M; i++)
                        for (let k = 0; k < K; k++)
                            rows[i * K + k] = xs[oa + (adjX ? k * M + i : i * K + k)] - aq.zeroPoint;
                    for (let j = 0; j < N; j++)
                        for (let k = 0; k < K; k++)
                            cols[j * K + k] = ys[ob + (adjY ? j * K + k : k * N + j)] - bq.zeroPoint;
                    for (let i = 0; i < M; i++) {
                        for (let j = 0; j < N; j++) {
                            let t = 0;
                            for (let k = 0, r = i * K, c = j * K; k < K; k++)
                                t += rows[r + k] * cols[c + k];
                            acc[i * N + j] = t;
                        }
                    }
                    rescale.rows(acc, M, out.subarray(n * M * N, (n + 1) * M * N), N);
                }
            },
        };
    },
};
const BATCH_MATMUL = defineBuiltin({
    name: 'BATCH_MATMUL',
    options: optionsTable('BatchMatMulOptions', [
        field('adj_x', 'bool'),
        field('adj_y', 'bool'),
        asymmetricQuantizeInputs,
    ]),
    version: first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2], [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 4]),
    int8: elementwise,
    kernel: BATCH_MATMUL_kernel,
});
//# sourceMappingURL=BATCH_MATMUL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/BROADCAST_TO.js




// Version 1 was never a builtin (BROADCAST_TO started as a custom op): LiteRT registers 2 and 3 (int16).
/** The input broadcast to the int32 shape of input 1 (ONNX Expand); int8 keeps the input's parameters. */
const BROADCAST_TO = defineBuiltin({
    name: 'BROADCAST_TO',
    options: optionsTable('BroadcastToOptions'),
    version: (s) => (is(inp(s, 0), 'INT16') ? 3 : 2),
    int8: sameAsInput,
    keepsExtremes: true,
});
//# sourceMappingURL=BROADCAST_TO.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/CAST.js



/** Element type conversion; the options name both TensorTypes (bytes). */
const CAST = defineBuiltin({
    name: 'CAST',
    options: optionsTable('CastOptions', [field('in_data_type', 'byte'), field('out_data_type', 'byte')]),
    version: always1,
});
//# sourceMappingURL=CAST.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/CALL_ONCE.js



/** Runs a kept initialization subgraph once (resource variables); it has no outputs and stays float. */
const CALL_ONCE = defineBuiltin({
    name: 'CALL_ONCE',
    options: optionsTable('CallOnceOptions', [field('init_subgraph_index', 'int')]),
    version: always1,
    subgraphFields: ['init_subgraph_index'],
});
//# sourceMappingURL=CALL_ONCE.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/view.js

/** An op that only relabels the shape: its output is its input's buffer (no copy, nothing to run). */
function viewKernel(opType, shapeOf) {
    return {
        opType,
        prepare(cx) {
            const x = cx.inputs[0];
            if (!x)
                throw new KernelError(cx, 'input 0 is missing');
            const shape = shapeOf(cx, x.shape);
            if (sizeOf(shape) !== sizeOf(x.shape))
                throw new KernelError(cx, `cannot view [${x.shape}] as [${shape}]`);
            return { outputs: [{ dtype: x.dtype, shape, aliasOfInput: true }], run() { } };
        },
    };
}
/** NumPy-style axis in [0, rank), from a possibly negative one. */
function normalizeAxis(cx, axis, rank) {
    const a = axis < 0 ? axis + rank : axis;
    if (a < 0 || a >= rank)
        throw new KernelError(cx, `axis ${axis} is out of range for rank ${rank}`);
    return a;
}
/**
 * Copies src[from, from + n) to dst[to, ...): one block copy for a long run, a loop for a short one (a
 * subarray view costs about as much as copying 30 bytes; PP-OCRv4 det's maps have 16-96 channels, and its
 * pads, resizes and concatenations copied them pixel by pixel).
 */
function copyRun(dst, to, src, from, n) {
    if (n >= BLOCK_COPY)
        dst.set(src.subarray(from, from + n), to);
    else
        for (let i = 0; i < n; i++)
            dst[to + i] = src[from + i];
}
const BLOCK_COPY = 64;
//# sourceMappingURL=view.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/CONCATENATION.js








/**
 * Joins inputs along `axis`. An int8 input whose parameters differ from the output's is requantized
 * (TFLite's int8 kernel demands equal parameters; this is its generalisation), then clamped to the fused
 * activation's range.
 */
const CONCATENATION_kernel = {
    opType: 'CONCATENATION',
    prepare(cx) {
        const inputs = cx.inputs;
        const first = inputs[0];
        const rank = first.shape.length;
        const axis = normalizeAxis(cx, attrInt(cx.node, 'axis', 0), rank);
        for (const v of inputs) {
            if (v.dtype !== first.dtype ||
                v.shape.length !== rank ||
                v.shape.some((d, i) => i !== axis && d !== first.shape[i]))
                throw new KernelError(cx, `input '${v.name}' [${v.shape}] does not join [${first.shape}] on axis ${axis}`);
        }
        const shape = [...first.shape];
        shape[axis] = inputs.reduce((s, v) => s + v.shape[axis], 0);
        const outer = sizeOf(shape.slice(0, axis));
        const blocks = inputs.map((v) => sizeOf(v.shape.slice(axis)));
        const rowLength = sizeOf(shape.slice(axis));
        let tables = inputs.map(() => undefined);
        if (first.dtype === 'int8') {
            const y = outputParams(cx, 0, 0);
            const [lo, hi] = activationRange(cx, fusedActivation(cx), y);
            tables = inputs.map((_, i) => {
                const f = requantizeFunction(cx, inputParams(cx, i), y);
                const t = int8Table((q) => Math.min(hi, Math.max(lo, f(q))));
                return t.every((v, j) => v === j - 128) ? undefined : t;
            });
        }
        return {
            outputs: [{ dtype: first.dtype, shape }],
            run(ins, [output]) {
                const dst = output;
                let offset = 0;
                ins.forEach((input, i) => {
                    const src = input;
                    const block = blocks[i];
                    const table = tables[i];
                    for (let o = 0; o < outer; o++) {
                        const from = o * block;
                        const to = o * rowLength + offset;
                        if (!table)
                            copyRun(dst, to, src, from, block);
                        else
                            for (let j = 0; j < block; j++)
                                dst[to + j] = table[src[from + j] + 128];
                    }
                    offset += block;
                });
            },
        };
    },
};
const CONCATENATION = defineBuiltin({
    name: 'CONCATENATION',
    floorShift: 'exact',
    options: optionsTable('ConcatenationOptions', [field('axis', 'int'), activation]),
    version: first([(s) => is(inp(s, 0), 'UINT32'), 4], [(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: allSameAll,
    kernel: CONCATENATION_kernel,
});
//# sourceMappingURL=CONCATENATION.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/packed.js
/**
 * Two int32 accumulators in one double. Weights of output channels 2j and 2j+1 are packed as
 * w_2j + w_2j+1 2^26, so one multiply-add x * packed adds x w_2j to the low lane and x w_2j+1 to the high
 * one. Every value stays an integer below 2^53, so the arithmetic is exact integer arithmetic; a lane
 * holds |Σ x w| <= 128 * 127 * K < 2^25 for K <= 2048, which is split back exactly. Doubles avoid the
 * overflow checks V8 puts on int32 adds and halve the multiplies: this is what makes conv and FC fast.
 */
const LANE = 2 ** 26;
/** The longest dot product a lane holds exactly. */
const MAX_PACKED_TERMS = 2048;
/** Packs rows of K int8 weights pairwise: result row j is rows 2j (low lane) and 2j+1 (high lane). */
function packPairs(w, rows, K) {
    const pairs = Math.ceil(rows / 2);
    const out = new Float64Array(pairs * K);
    for (let j = 0; j < pairs; j++) {
        const lo = 2 * j * K;
        const hi = lo + K;
        const has = 2 * j + 1 < rows;
        for (let i = 0; i < K; i++)
            out[j * K + i] = w[lo + i] + (has ? w[hi + i] * LANE : 0);
    }
    return out;
}
/**
 * acc[p * stride + at + c] (c < count) = Σ over the K = taps * run terms of row p of x times the packed
 * weights of channel c; four pairs (eight channels) per pass over x.
 */
function packedDots(x, layout, wp, count, acc, stride, at) {
    const { bases, taps, run } = layout;
    const K = taps.length * run;
    const pairs = count >> 1;
    const odd = count & 1;
    for (let p = 0; p < bases.length; p++) {
        const base = bases[p];
        const o = p * stride + at;
        let j = 0;
        for (; j + 4 <= pairs; j += 4) {
            let a0 = 0;
            let a1 = 0;
            let a2 = 0;
            let a3 = 0;
            let w0 = j * K;
            for (let t = 0; t < taps.length; t++) {
                const xo = base + taps[t];
                for (let i = 0; i < run; i++, w0++) {
                    const v = x[xo + i];
                    a0 += v * wp[w0];
                    a1 += v * wp[w0 + K];
                    a2 += v * wp[w0 + 2 * K];
                    a3 += v * wp[w0 + 3 * K];
                }
            }
            let h = Math.round(a0 / LANE);
            acc[o + 2 * j] = a0 - h * LANE;
            acc[o + 2 * j + 1] = h;
            h = Math.round(a1 / LANE);
            acc[o + 2 * j + 2] = a1 - h * LANE;
            acc[o + 2 * j + 3] = h;
            h = Math.round(a2 / LANE);
            acc[o + 2 * j + 4] = a2 - h * LANE;
            acc[o + 2 * j + 5] = h;
            h = Math.round(a3 / LANE);
            acc[o + 2 * j + 6] = a3 - h * LANE;
            acc[o + 2 * j + 7] = h;
        }
        for (; j < pairs + odd; j++) {
            let a = 0;
            let w0 = j * K;
            for (let t = 0; t < taps.length; t++) {
                const xo = base + taps[t];
                for (let i = 0; i < run; i++, w0++)
                    a += x[xo + i] * wp[w0];
            }
            const h = Math.round(a / LANE);
            acc[o + 2 * j] = a - h * LANE;
            if (2 * j + 1 < count)
                acc[o + 2 * j + 1] = h;
        }
    }
}
/** The same dot products one channel at a time from int8 weights, for K past what a lane holds. */
function plainDots(x, layout, w, count, acc, stride, at) {
    const { bases, taps, run } = layout;
    const K = taps.length * run;
    for (let p = 0; p < bases.length; p++) {
        for (let c = 0; c < count; c++) {
            let a = 0;
            let wo = c * K;
            for (let t = 0; t < taps.length; t++) {
                const xo = bases[p] + taps[t];
                for (let i = 0; i < run; i++)
                    a += x[xo + i] * w[wo++];
            }
            acc[p * stride + at + c] = a;
        }
    }
}
//# sourceMappingURL=packed.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/gemm.js
/**
 * A fixed-size int8 GEMM in the plan's WebAssembly memory: C [rows, n] = A [rows, kp] B [n, kp]^T with
 * int32 C. B holds the weights (rows zero-padded to kp = K rounded up to 8, n = channels rounded up to
 * 4), written once. It runs a tile of `tile` rows at a time (WasmArena.tileRows; a multiple of `unit`):
 * the kernel writes the tile's rows of A (im2col) before each call, and rescales its C after. Each output
 * row is its own sums, so tiles give the integers of one whole-image call.
 */
class Int8Gemm {
    arena;
    K;
    rows;
    kp;
    n;
    /** Rows per `run`, at most. */
    tile;
    /** A, the arena's shared scratch: written before each call (its rows' tails past K meet B's zeros). */
    a;
    b;
    /** C, the arena's shared scratch: written and read back within each run. */
    c;
    constructor(arena, weights, channels, K, rows, unit = 1) {
        this.arena = arena;
        this.K = K;
        this.rows = rows;
        this.kp = Math.ceil(K / 8) * 8;
        this.n = Math.ceil(channels / 4) * 4;
        this.tile = arena.tileRows(rows, Math.max(this.kp, this.n * 4), unit);
        // the kernel takes rows in pairs: room for a last odd row's partner in A and C
        const even = this.tile + (this.tile % 2);
        this.a = arena.scratch(even * this.kp, 'inputs');
        this.b = arena.alloc(this.n * this.kp);
        this.c = arena.scratch(even * this.n * 4, 'accumulators');
        const b = this.b.int8();
        for (let ch = 0; ch < channels; ch++)
            b.set(weights.subarray(ch * K, (ch + 1) * K), ch * this.kp);
    }
    /**
     * A's rows (of the tile), row r at [r kp, r kp + K), to be written before each run. The tail up to kp
     * may hold what another kernel left there: B is zero there, so it adds nothing.
     */
    input() {
        return this.a.int8();
    }
    /**
     * Runs the GEMM on the first `rows` (at most `tile`) rows of A; C, row r at [r n, r n + channels), is
     * `output()` (in the arena at `outputOffset`).
     */
    run(rows = this.tile) {
        this.arena.gemm(this.a.offset, this.b.offset, this.c.offset, rows, this.n, this.kp, this.n);
    }
    output() {
        return this.c.int32();
    }
    get outputOffset() {
        return this.c.offset;
    }
}
//# sourceMappingURL=gemm.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/CONV_2D.js









/**
 * x [N,H,W,C] * w [OC,KH,KW,C/groups] + bias [OC] -> y [N,OH,OW,OC]: the int32 accumulators Σ x w of a
 * whole image, then the scheme's rescale over them. The accumulators come from the WebAssembly int8 GEMM
 * on an im2col of the image, or (grouped convs, no WebAssembly SIMD) from JS loops (packed.ts).
 */
const CONV_2D_kernel = {
    opType: 'CONV_2D',
    prepare(cx) {
        const { x, w, b } = weightedOperands(cx);
        const [N, H, W, C] = x.shape;
        const [OC, KH, KW, IC] = w.shape;
        if (x.shape.length !== 4 || w.shape.length !== 4 || C % IC !== 0 || OC % (C / IC) !== 0)
            throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
        const groups = C / IC;
        const attrs = windowAttrs(cx, KH, KW);
        const geo = windowGeometry(H, W, attrs);
        const xq = inputParams(cx, 0);
        const yq = outputParams(cx, 0);
        const weights = w.data;
        const K = KH * KW * IC;
        const sums = new Int32Array(OC);
        for (let oc = 0; oc < OC; oc++)
            for (let i = 0; i < K; i++)
                sums[oc] += weights[oc * K + i];
        const perGroup = OC / groups;
        const pixels = geo.outH * geo.outW;
        const arena = groups === 1 ? cx.arena() : undefined;
        const gemm = arena && new Int8Gemm(arena, weights, OC, K, pixels);
        const rescale = weightedRescale(cx, xq, w, b, yq, sums, gemm?.tile ?? pixels);
        const outputs = [{ dtype: 'int8', shape: [N, geo.outH, geo.outW, OC] }];
        const image = (n) => (output) => output.subarray(n * pixels * OC, (n + 1) * pixels * OC);
        if (arena && gemm) {
            // im2col into the GEMM's A: one row of K taps per output pixel, a tile of pixels at a time.
            const padded = new PaddedImage(H, W, C, geo, xq.zeroPoint);
            const layout = dotLayout(attrs, geo, padded.width, C, IC, 0, 1);
            const direct = layout.taps.length === 1 && geo.outH === H && geo.outW === W && gemm.kp === K && padded.width === W;
            // The padded image in the arena's shared scratch too (PP-OCRv4 det at 640x640: 16 MB one per conv),
            // its border set again at each run.
            const paddedAt = direct ? undefined : arena.scratch(padded.size, 'image');
            return {
                outputs,
                run([input], [output]) {
                    for (let n = 0; n < N; n++) {
                        const x = input;
                        const src = direct
                            ? x.subarray(n * pixels * K)
                            : padded.load(x, n, padded.border(paddedAt.int8()));
                        const y = image(n)(output);
                        for (let p = 0; p < pixels; p += gemm.tile) {
                            const rows = Math.min(gemm.tile, pixels - p);
                            const a = gemm.input();
                            if (direct)
                                a.set(src.subarray(p * K, (p + rows) * K));
                            else
                                im2col(src, layout, a, gemm.kp, p, p + rows);
                            gemm.run(rows);
                            const out = y.subarray(p * OC, (p + rows) * OC);
                            if (rescale.native)
                                rescale.native(gemm.outputOffset, rows, out, gemm.n);
                            else
                                rescale.rows(gemm.output(), rows, out, gemm.n);
                        }
                    }
                },
            };
        }
        const padded = new PaddedImage(H, W, C, geo, xq.zeroPoint);
        const doubles = padded.allocate(Float64Array);
        const layouts = Array.from({ length: groups }, (_, g) => dotLayout(attrs, geo, padded.width, C, IC, g, groups));
        const groupWeights = (g) => weights.subarray(g * perGroup * K, (g + 1) * perGroup * K);
        const packed = K <= MAX_PACKED_TERMS ? layouts.map((_, g) => packPairs(groupWeights(g), perGroup, K)) : undefined;
        const acc = new Int32Array(pixels * OC);
        return {
            outputs,
            run([input], [output]) {
                for (let n = 0; n < N; n++) {
                    const src = padded.load(input, n, doubles);
                    for (let g = 0; g < groups; g++) {
                        if (packed)
                            packedDots(src, layouts[g], packed[g], perGroup, acc, OC, g * perGroup);
                        else
                            plainDots(src, layouts[g], groupWeights(g), perGroup, acc, OC, g * perGroup);
                    }
                    rescale.rows(acc, pixels, image(n)(output), OC);
                }
            },
        };
    },
};
/**
 * Each output pixel's taps from `from` to `to`, one after another, pixel p as row p - from of `a` (row
 * length kp). A long run (a filter row of 3 x 96 channels in PP-OCRv4 det's neck) is one block copy: byte
 * by byte, im2col was as slow as the GEMM it feeds (200 ms a det run at 640x640).
 */
function im2col(x, layout, a, kp, first, end) {
    const { bases, taps, run } = layout;
    for (let p = first; p < end; p++) {
        let to = (p - first) * kp;
        for (let t = 0; t < taps.length; t++) {
            const from = bases[p] + taps[t];
            if (run >= CONV_2D_BLOCK_COPY) {
                a.set(x.subarray(from, from + run), to);
                to += run;
            }
            else {
                for (let i = 0; i < run; i++)
                    a[to++] = x[from + i];
            }
        }
    }
}
/** The run length from which a subarray copy beats a byte loop (its view costs about 30 bytes' copying). */
const CONV_2D_BLOCK_COPY = 64;
/**
 * Where each output pixel's window starts in the padded image, and its taps: runs of values contiguous
 * in the image and in the weights, one filter row when its columns are adjacent (dilation 1, no groups),
 * else one filter position.
 */
function dotLayout(a, geo, Wp, C, IC, g, groups) {
    const rows = a.dilationW === 1 && groups === 1;
    const bases = new Int32Array(geo.outH * geo.outW);
    for (let oh = 0; oh < geo.outH; oh++)
        for (let ow = 0; ow < geo.outW; ow++)
            bases[oh * geo.outW + ow] = (oh * a.strideH * Wp + ow * a.strideW) * C + g * IC;
    const taps = rows
        ? Int32Array.from({ length: a.kH }, (_, kh) => kh * a.dilationH * Wp * C)
        : Int32Array.from({ length: a.kH * a.kW }, (_, t) => {
            const [kh, kw] = [Math.floor(t / a.kW), t % a.kW];
            return (kh * a.dilationH * Wp + kw * a.dilationW) * C;
        });
    return { bases, taps, run: rows ? a.kW * IC : IC };
}
const CONV_2D = defineBuiltin({
    name: 'CONV_2D',
    // Filters OHWI.
    weightChannels: weightedChannels(0, 3),
    floorShift: 'biased',
    options: optionsTable('Conv2DOptions', [
        padding,
        strideW,
        strideH,
        activation,
        ...dilations,
        quantizedBiasType,
    ]),
    version: first([(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 8], [groupedConv, 6], [(s) => io(s, 'INT16', 'INT16', 'INT16'), 4], [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3], [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7], [(s) => hybrid(s) && inp(s, 1).scales > 1, 5], [hybrid, 2]),
    // Filters are OHWI: per-axis dim 0.
    int8: weighted(0),
    kernel: CONV_2D_kernel,
});
/** Grouped convolution: the input has more channels than one filter covers (NHWC input, OHWI filter). */
function groupedConv(s) {
    const [input, filter] = [inp(s, 0).shape[3] ?? -1, inp(s, 1).shape[3] ?? -1];
    return input > 0 && filter > 0 && input !== filter;
}
//# sourceMappingURL=CONV_2D.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/CUSTOM.js


const CUSTOM = defineBuiltin({
    name: 'CUSTOM',
    // A custom op's options are its own flexbuffer, not a BuiltinOptions table; it never runs int8 here.
    options: null,
    version: always1,
});
//# sourceMappingURL=CUSTOM.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/DEPTHWISE_CONV_2D.js








/**
 * x [N,H,W,C] with w [1,KH,KW,C*m]: output channel c reads input channel floor(c / m). Σ over the taps
 * per output pixel and channel: in WebAssembly (multiplier 1), else in JS (doubles holding exact integers,
 * as in packed.ts).
 */
const DEPTHWISE_CONV_2D_kernel = {
    opType: 'DEPTHWISE_CONV_2D',
    prepare(cx) {
        const { x, w, b } = weightedOperands(cx);
        const [N, H, W, C] = x.shape;
        const [one, KH, KW, OC] = w.shape;
        if (x.shape.length !== 4 || w.shape.length !== 4 || one !== 1 || OC % C !== 0)
            throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
        const m = OC / C;
        const declared = attrInt(cx.node, 'depth_multiplier', 0);
        if (declared > 0 && declared !== m)
            throw new KernelError(cx, `depth_multiplier ${declared} but filter gives ${m}`);
        const attrs = windowAttrs(cx, KH, KW);
        const geo = windowGeometry(H, W, attrs);
        const xq = inputParams(cx, 0);
        const yq = outputParams(cx, 0);
        const weights = Float64Array.from(w.data);
        const taps = KH * KW;
        const sums = new Int32Array(OC);
        for (let t = 0; t < taps; t++)
            for (let c = 0; c < OC; c++)
                sums[c] += weights[t * OC + c];
        const image = new PaddedImage(H, W, C, geo, xq.zeroPoint);
        const Wp = image.width;
        const tapOffset = new Int32Array(taps);
        for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++)
                tapOffset[kh * KW + kw] = (kh * attrs.dilationH * Wp + kw * attrs.dilationW) * C;
        const { outH, outW } = geo;
        const pixels = outH * outW;
        const bases = new Int32Array(pixels);
        for (let oh = 0; oh < outH; oh++)
            for (let ow = 0; ow < outW; ow++)
                bases[oh * outW + ow] = (oh * attrs.strideH * Wp + ow * attrs.strideW) * C;
        const outputs = [{ dtype: 'int8', shape: [N, outH, outW, OC] }];
        const slice = (output, n) => output.subarray(n * pixels * OC, (n + 1) * pixels * OC);
        const arena = m === 1 ? cx.arena() : undefined;
        const dw = arena && wasmDepthwise(arena, image, bases, tapOffset, w.data, C);
        const rescale = weightedRescale(cx, xq, w, b, yq, sums, dw?.tile ?? pixels);
        if (dw) {
            return {
                outputs,
                run([input], [output]) {
                    for (let n = 0; n < N; n++) {
                        dw.load(input, n);
                        const y = slice(output, n);
                        for (let p = 0; p < pixels; p += dw.tile) {
                            const rows = Math.min(dw.tile, pixels - p);
                            dw.run(p, rows);
                            const out = y.subarray(p * OC, (p + rows) * OC);
                            if (rescale.native)
                                rescale.native(dw.offset, rows, out, dw.cp);
                            else
                                rescale.rows(dw.output(), rows, out, dw.cp);
                        }
                    }
                },
            };
        }
        const doubles = image.allocate(Float64Array);
        const channelOf = Int32Array.from({ length: OC }, (_, c) => Math.floor(c / m));
        const acc = new Int32Array(pixels * OC);
        return {
            outputs,
            run([input], [output]) {
                for (let n = 0; n < N; n++) {
                    const src = image.load(input, n, doubles);
                    for (let p = 0, o = 0; p < pixels; p++, o += OC) {
                        if (m === 1 && taps === 9)
                            pixel3x3(src, bases[p], weights, tapOffset, OC, acc, o);
                        else
                            pixel(src, bases[p], weights, tapOffset, OC, channelOf, acc, o);
                    }
                    rescale.rows(acc, pixels, slice(output, n), OC);
                }
            },
        };
    },
};
/**
 * The WebAssembly depthwise kernel (multiplier 1) on the padded image in the arena: eight channels per
 * step, channels padded to cp (a multiple of 8; the image gets 8 spare bytes for the last step's reads);
 * a tile of `tile` output pixels per run (WasmArena.tileRows), into accumulators of that many rows.
 */
function wasmDepthwise(arena, image, bases, taps, w, C) {
    const cp = Math.ceil(C / 8) * 8;
    // The image and the accumulators in the arena's shared scratch (see WasmArena.scratch): the image's
    // border is set again at each run, as another kernel may have written there since.
    const x = arena.scratch(image.size + 8, 'inputs');
    const basesAt = arena.alloc(bases.length * 4);
    basesAt.int32().set(bases);
    const tapsAt = arena.alloc(taps.length * 4);
    tapsAt.int32().set(taps);
    const wAt = arena.alloc(taps.length * cp);
    for (let t = 0; t < taps.length; t++)
        wAt.int8().set(w.subarray(t * C, (t + 1) * C), t * cp);
    const tile = arena.tileRows(bases.length, cp * 4);
    const c = arena.scratch(tile * cp * 4, 'accumulators');
    return {
        cp,
        tile,
        get offset() {
            return c.offset;
        },
        output: () => c.int32(),
        /** Image `n` of the input into the padded image. */
        load(input, n) {
            image.load(input, n, image.border(x.int8()));
        },
        /** Output pixels `first` .. first + rows - 1 (rows <= tile) into the accumulators' first rows. */
        run(first, rows) {
            arena.dwconv(x.offset, basesAt.offset + first * 4, rows, tapsAt.offset, taps.length, wAt.offset, c.offset, cp);
        },
    };
}
/** The common case, 3x3 with multiplier 1: nine taps summed in a register per channel. */
function pixel3x3(x, base, w, off, C, acc, o) {
    const b0 = base + off[0];
    const b1 = base + off[1];
    const b2 = base + off[2];
    const b3 = base + off[3];
    const b4 = base + off[4];
    const b5 = base + off[5];
    const b6 = base + off[6];
    const b7 = base + off[7];
    const b8 = base + off[8];
    for (let c = 0; c < C; c++) {
        acc[o + c] =
            x[b0 + c] * w[c] +
                x[b1 + c] * w[C + c] +
                x[b2 + c] * w[2 * C + c] +
                x[b3 + c] * w[3 * C + c] +
                x[b4 + c] * w[4 * C + c] +
                x[b5 + c] * w[5 * C + c] +
                x[b6 + c] * w[6 * C + c] +
                x[b7 + c] * w[7 * C + c] +
                x[b8 + c] * w[8 * C + c];
    }
}
function pixel(x, base, w, off, OC, channelOf, acc, o) {
    for (let c = 0; c < OC; c++) {
        const xc = base + channelOf[c];
        let a = 0;
        for (let t = 0; t < off.length; t++)
            a += x[xc + off[t]] * w[t * OC + c];
        acc[o + c] = a;
    }
}
const DEPTHWISE_CONV_2D = defineBuiltin({
    name: 'DEPTHWISE_CONV_2D',
    // Filters 1HW(C*m): output channel o reads input channel floor(o / m), one group per input channel.
    weightChannels: (node, g) => {
        const w = g.initializers.get(node.inputs[1] ?? '');
        const m = attrInt(node, 'depth_multiplier', 0) || 1;
        if (w?.dims.length !== 4 || w.dims[3] % m !== 0)
            return undefined;
        return { index: 1, bias: 2, output: 3, input: 0, groups: w.dims[3] / m, clip: fusedClip(node) };
    },
    floorShift: 'biased',
    options: optionsTable('DepthwiseConv2DOptions', [
        padding,
        strideW,
        strideH,
        field('depth_multiplier', 'int'),
        activation,
        ...dilations,
    ]),
    version: first([(s) => io(s, 'INT16', 'INT16', 'INT16'), 5], [(s) => hybrid(s) && inp(s, 1).scales > 1, 6], [hybrid, 4], [(s) => io(s, 'INT8', 'INT8', 'INT8'), 3], [(s) => io(s, 'INT8', 'INT4', 'INT8'), 7], [(s) => opt(s, 'dilation_w_factor') !== 1 || opt(s, 'dilation_h_factor') !== 1, 2]),
    // Filters are 1HW(C*M): per-axis dim 3.
    int8: weighted(3),
    kernel: DEPTHWISE_CONV_2D_kernel,
});
//# sourceMappingURL=DEPTHWISE_CONV_2D.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/DEPTH_TO_SPACE.js




/** Moves block_size x block_size groups of channels into space (NHWC, DCR order); int8 keeps the input's parameters. */
const DEPTH_TO_SPACE = defineBuiltin({
    name: 'DEPTH_TO_SPACE',
    options: optionsTable('DepthToSpaceOptions', [field('block_size', 'int')]),
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    keepsExtremes: true,
});
//# sourceMappingURL=DEPTH_TO_SPACE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/DEQUANTIZE.js




/** int8 -> float32: s (q - z), in float32 (TFLite Dequantize). */
const DEQUANTIZE_kernel = {
    opType: 'DEQUANTIZE',
    prepare(cx) {
        const x = requireDtype(cx, 0, 'int8');
        const p = inputParams(cx, 0);
        const table = new Float32Array(256);
        for (let q = -128; q < 128; q++)
            table[q + 128] = Math.fround(p.scale * (q - p.zeroPoint));
        return {
            outputs: [{ dtype: 'float32', shape: [...x.shape] }],
            lookup: { unary: table, input: 0 },
            run([input], [output]) {
                const src = input;
                const dst = output;
                for (let i = 0; i < src.length; i++)
                    dst[i] = table[src[i] + 128];
            },
        };
    },
};
const DEQUANTIZE = defineBuiltin({
    name: 'DEQUANTIZE',
    floorShift: 'exact',
    options: optionsTable('DequantizeOptions'),
    version: first([(s) => is(inp(s, 0), 'INT4'), 6], [(s) => is(inp(s, 0), 'INT16', 'FLOAT16'), 3], [(s) => is(inp(s, 0), 'INT8') && inp(s, 0).scales > 1, 5], [(s) => is(inp(s, 0), 'INT8'), 2]),
    kernel: DEQUANTIZE_kernel,
});
//# sourceMappingURL=DEQUANTIZE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/DIV.js




/** float32 only: TFLite has no int8 DIV; a converted graph keeps it in a float island. */
const DIV_kernel = binaryKernel({ opType: 'DIV', float32: (a, b) => a / b });
const DIV = defineBuiltin({
    name: 'DIV',
    options: optionsTable('DivOptions', [activation]),
    version: first([broadcast5d, 2]),
    kernel: DIV_kernel,
});
//# sourceMappingURL=DIV.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/EQUAL.js



/** Elementwise equality with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const EQUAL = defineBuiltin({
    name: 'EQUAL',
    options: optionsTable('EqualOptions'),
    version: always1,
});
//# sourceMappingURL=EQUAL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/EXP.js






/** e^x; int8 is TFLite's lookup table on the calibrated output parameters. */
const EXP = defineBuiltin({
    name: 'EXP',
    options: optionsTable('ExpOptions'),
    version: first([(s) => is(inp(s, 0), 'INT8', 'INT16'), 2]),
    int8: calibrated,
    kernel: unaryKernel('EXP', (cx, x, y) => realFunctionEntry(cx, x, y, Math.exp, (v) => Math.fround(Math.exp(v))), Math.exp),
});
//# sourceMappingURL=EXP.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/EXPAND_DIMS.js






/** Inserts a size-1 axis at the position input 1 gives (negative counts from the end of the result). */
const EXPAND_DIMS_kernel = viewKernel('EXPAND_DIMS', (cx, input) => {
    const axis = normalizeAxis(cx, constantInts(cx, 1, 'axis')[0] ?? 0, input.length + 1);
    return [...input.slice(0, axis), 1, ...input.slice(axis)];
});
const EXPAND_DIMS = defineBuiltin({
    name: 'EXPAND_DIMS',
    floorShift: 'exact',
    options: optionsTable('ExpandDimsOptions'),
    version: always1,
    int8: sameAsInput,
    kernel: EXPAND_DIMS_kernel,
});
//# sourceMappingURL=EXPAND_DIMS.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/FULLY_CONNECTED.js









/**
 * x [..., IC] (rows of IC) * w [OC, IC]^T + bias -> [rows, OC], or [..., OC] with keep_num_dims; the
 * WebAssembly int8 GEMM, or JS loops (packed.ts) without WebAssembly SIMD.
 */
const FULLY_CONNECTED_kernel = {
    opType: 'FULLY_CONNECTED',
    prepare(cx) {
        const { x, w, b } = weightedOperands(cx);
        if (w.shape.length !== 2)
            throw new KernelError(cx, `weights must be 2-D, got [${w.shape}]`);
        const [OC, IC] = w.shape;
        const total = sizeOf(x.shape);
        if (total % IC !== 0)
            throw new KernelError(cx, `input [${x.shape}] is not rows of ${IC}`);
        const rows = total / IC;
        const keep = attrInt(cx.node, 'keep_num_dims', 0) !== 0;
        const shape = keep ? [...x.shape.slice(0, -1), OC] : [rows, OC];
        const xq = inputParams(cx, 0);
        const yq = outputParams(cx, 0);
        const weights = w.data;
        const sums = new Int32Array(OC);
        for (let oc = 0; oc < OC; oc++)
            for (let i = 0; i < IC; i++)
                sums[oc] += weights[oc * IC + i];
        const arena = cx.arena();
        const gemm = arena && new Int8Gemm(arena, weights, OC, IC, rows);
        const rescale = weightedRescale(cx, xq, w, b, yq, sums, gemm?.tile ?? rows);
        if (gemm) {
            const direct = gemm.kp === IC;
            return {
                outputs: [{ dtype: 'int8', shape }],
                run([input], [output]) {
                    const src = input;
                    for (let r0 = 0; r0 < rows; r0 += gemm.tile) {
                        const count = Math.min(gemm.tile, rows - r0);
                        const a = gemm.input();
                        if (direct)
                            a.set(src.subarray(r0 * IC, (r0 + count) * IC));
                        else
                            for (let r = 0; r < count; r++)
                                for (let i = 0; i < IC; i++)
                                    a[r * gemm.kp + i] = src[(r0 + r) * IC + i];
                        gemm.run(count);
                        const out = output.subarray(r0 * OC, (r0 + count) * OC);
                        if (rescale.native)
                            rescale.native(gemm.outputOffset, count, out, gemm.n);
                        else
                            rescale.rows(gemm.output(), count, out, gemm.n);
                    }
                },
            };
        }
        const packed = IC <= MAX_PACKED_TERMS ? packPairs(weights, OC, IC) : undefined;
        const layout = {
            bases: Int32Array.from({ length: rows }, (_, r) => r * IC),
            taps: Int32Array.of(0),
            run: IC,
        };
        const xs = new Float64Array(total);
        const acc = new Int32Array(rows * OC);
        return {
            outputs: [{ dtype: 'int8', shape }],
            run([input], [output]) {
                const src = input;
                for (let i = 0; i < total; i++)
                    xs[i] = src[i];
                if (packed)
                    packedDots(xs, layout, packed, OC, acc, OC, 0);
                else
                    plainDots(xs, layout, weights, OC, acc, OC, 0);
                rescale.rows(acc, rows, output, OC);
            },
        };
    },
};
const FULLY_CONNECTED = defineBuiltin({
    name: 'FULLY_CONNECTED',
    // Weights [O, I].
    weightChannels: weightedChannels(0, 1),
    floorShift: 'biased',
    options: optionsTable('FullyConnectedOptions', [
        activation,
        field('weights_format', 'byte'),
        field('keep_num_dims', 'bool'),
        asymmetricQuantizeInputs,
        quantizedBiasType,
    ]),
    version: first([(s) => io(s, 'INT16', 'INT4', 'INT16'), 13], [(s) => hybrid(s) && inp(s, 1).scales > 1, 12], [(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 11], [(s) => io(s, 'INT16', 'INT16', 'INT16'), 7], [(s) => s.inputs.length === 2, 6], [(s) => !!opt(s, 'keep_num_dims'), 5], [(s) => io(s, 'INT8', 'INT8', 'INT8'), 4], [(s) => io(s, 'INT8', 'INT4', 'INT8'), 10], [(s) => hybrid(s) && !!opt(s, 'asymmetric_quantize_inputs'), 9], [hybrid, 3], [(s) => opt(s, 'weights_format') === 1, 2]),
    // Weights are [out, in]: per-axis dim 0.
    int8: weighted(0),
    kernel: FULLY_CONNECTED_kernel,
});
//# sourceMappingURL=FULLY_CONNECTED.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/GATHER.js







/** Slices of input 0 along `axis` picked by the int32/int64 indices of input 1 (batch_dims 0). */
const GATHER_kernel = {
    opType: 'GATHER',
    prepare(cx) {
        const x = cx.inputs[0];
        const indices = requireDtype(cx, 1, 'int32', 'int64');
        if (attrInt(cx.node, 'batch_dims', 0) !== 0)
            throw new KernelError(cx, 'batch_dims other than 0 is not supported');
        const axis = normalizeAxis(cx, attrInt(cx.node, 'axis', 0), x.shape.length);
        const shape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
        const outer = sizeOf(x.shape.slice(0, axis));
        const dim = x.shape[axis];
        const inner = sizeOf(x.shape.slice(axis + 1));
        const count = sizeOf(indices.shape);
        return {
            outputs: [{ dtype: x.dtype, shape }],
            run([input, idx], [output]) {
                const src = input;
                const dst = output;
                const ids = idx;
                for (let o = 0; o < outer; o++) {
                    for (let j = 0; j < count; j++) {
                        let i = Number(ids[j]);
                        if (i < 0)
                            i += dim;
                        if (i < 0 || i >= dim)
                            throw new RangeError(`GATHER '${cx.node.name}': index ${ids[j]} is out of [0, ${dim})`);
                        const from = (o * dim + i) * inner;
                        dst.set(src.subarray(from, from + inner), (o * count + j) * inner);
                    }
                }
            },
        };
    },
};
const GATHER = defineBuiltin({
    name: 'GATHER',
    floorShift: 'exact',
    options: optionsTable('GatherOptions', [field('axis', 'int'), field('batch_dims', 'int')]),
    version: first([(s) => is(inp(s, 0), 'INT4'), 7], [(s) => is(inp(s, 1), 'INT16'), 6], [(s) => !!opt(s, 'batch_dims'), 5], [(s) => is(inp(s, 0), 'INT16'), 4], [(s) => is(inp(s, 0), 'BOOL'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: GATHER_kernel,
});
//# sourceMappingURL=GATHER.js.map
;// CONCATENATED MODULE: ./lib/ops/types.js
/** An evaluation the reference code does not cover; constant folding then keeps the node. */
class types_NotEvaluable extends Error {
    constructor(node, why) {
        super(`${node.opType} '${node.name}': ${why}`);
        this.name = 'NotEvaluable';
    }
}
//# sourceMappingURL=types.js.map
;// CONCATENATED MODULE: ./lib/ops/common/compute.js




/** Reference compute on constant tensors (constant folding): values go through doubles. */
const INT_RANGE = {
    int8: [-128, 127],
    uint8: [0, 255],
    int16: [-32768, 32767],
    uint16: [0, 65535],
    int32: [-(2 ** 31), 2 ** 31 - 1],
    uint32: [0, 2 ** 32 - 1],
    int64: [-(2 ** 63), 2 ** 63 - 1],
    uint64: [0, 2 ** 64 - 1],
};
/** Element types the reference compute handles. */
function computable(dtype) {
    return dtype === 'float32' || dtype === 'float64' || dtype === 'bool' || dtype in INT_RANGE;
}
function values(node, t) {
    if (!t)
        throw new types_NotEvaluable(node, 'an input is missing');
    if (!computable(t.dtype))
        throw new types_NotEvaluable(node, `no reference compute for ${t.dtype}`);
    return t.toNumbers();
}
/**
 * A tensor of `dtype` from doubles. Integers are truncated toward zero and saturated (int64 extremes such
 * as Slice's INT64_MAX survive the trip through doubles); bool is nonzero.
 */
function makeTensor(dtype, dims, vals) {
    if (dtype === 'float32')
        return tensor_Tensor.float32(dims, vals);
    if (dtype === 'float64')
        return new tensor_Tensor('float64', dims, Float64Array.from(vals));
    if (dtype === 'bool')
        return new tensor_Tensor('bool', dims, Uint8Array.from(vals, (v) => (v ? 1 : 0)));
    const range = INT_RANGE[dtype];
    if (!range)
        throw new TypeError(`no reference compute for ${dtype}`);
    const ints = Array.from(vals, (v) => Number.isNaN(v) ? 0 : Math.min(range[1], Math.max(range[0], Math.trunc(v))));
    if (dtype === 'int64' || dtype === 'uint64') {
        const big = ints.map((v) => (v >= 2 ** 63 && dtype === 'int64' ? 2n ** 63n - 1n : BigInt(v)));
        return new tensor_Tensor(dtype, dims, dtype === 'int64' ? BigInt64Array.from(big) : BigUint64Array.from(big));
    }
    return new tensor_Tensor(dtype, dims, typed(dtype, ints));
}
function typed(dtype, ints) {
    switch (dtype) {
        case 'int8':
            return Int8Array.from(ints);
        case 'uint8':
            return Uint8Array.from(ints);
        case 'int16':
            return Int16Array.from(ints);
        case 'uint16':
            return Uint16Array.from(ints);
        case 'int32':
            return Int32Array.from(ints);
        default:
            return Uint32Array.from(ints);
    }
}
/** Row-major strides of `dims`. */
function strides(dims) {
    const s = new Array(dims.length).fill(1);
    for (let i = dims.length - 2; i >= 0; i--)
        s[i] = s[i + 1] * dims[i + 1];
    return s;
}
/** For each element of `outDims`, the flat index into a tensor of `dims` broadcast to it. */
function broadcastIndex(dims, outDims) {
    const n = elementCount(outDims);
    const out = new Int32Array(n);
    const rank = outDims.length;
    const src = strides(dims);
    const aligned = outDims.map((_, k) => {
        const j = k - (rank - dims.length);
        return j >= 0 && dims[j] !== 1 ? src[j] : 0;
    });
    const os = strides(outDims);
    for (let i = 0; i < n; i++) {
        let rem = i;
        let idx = 0;
        for (let k = 0; k < rank; k++) {
            const c = Math.floor(rem / os[k]);
            rem -= c * os[k];
            idx += c * aligned[k];
        }
        out[i] = idx;
    }
    return out;
}
/** Broadcasts the inputs against each other and applies `fn` elementwise. */
function compute_broadcastMap(node, inputs, outDtype, fn) {
    const vals = inputs.map((t) => values(node, t));
    const dims = inputs.map((t) => [...t.dims]);
    const outDims = broadcastShapes(dims);
    if (outDims.some((d) => d === null))
        throw new NotEvaluable(node, 'shapes do not broadcast');
    const idx = dims.map((d) => broadcastIndex(d, outDims));
    const n = elementCount(outDims);
    const out = new Float64Array(n);
    const xs = new Array(vals.length);
    for (let i = 0; i < n; i++) {
        for (let k = 0; k < vals.length; k++)
            xs[k] = vals[k][idx[k][i]];
        out[i] = fn(xs);
    }
    return makeTensor(outDtype, outDims, out);
}
/** Integer division truncates toward zero, as ONNX Runtime's Div on integers. */
function divide(a, b, dtype) {
    if (isFloat(dtype))
        return a / b;
    if (b === 0)
        return 0;
    return Math.trunc(a / b);
}
/** A tensor's values gathered at flat indices (a permutation, slice or gather), as a new tensor. */
function pick(t, dims, index) {
    const d = t.data;
    if (Array.isArray(d))
        return new Tensor(t.dtype, dims, Array.from(index, (i) => d[i]));
    const Ctor = d.constructor;
    const out = new Ctor(index.length);
    for (let i = 0; i < index.length; i++)
        out[i] = d[index[i]];
    return new Tensor(t.dtype, dims, out);
}
//# sourceMappingURL=compute.js.map
;// CONCATENATED MODULE: ./lib/ops/common/elementwise.js



/** `scalar` builds the per-element function from the node (attributes) and its constant inputs. */
function unaryOp(opType, scalar, opts = {}) {
    return {
        opType,
        inferShapes: (_node, ctx) => [ctx.inputTypes[0]],
        evaluate: (node, inputs) => {
            const x = inputs[0];
            const vals = values(node, x);
            if (opts.floatOnly && x.dtype !== 'float32' && x.dtype !== 'float64') {
                throw new types_NotEvaluable(node, `reference compute is for floats, got ${x.dtype}`);
            }
            const f = scalar(node, inputs);
            return [makeTensor(x.dtype, x.dims, vals.map(f))];
        },
    };
}
/**
 * Ops that broadcast all their inputs (Add, Mul, Min, Where...). `fn` takes one element of each input;
 * `resultType` is the output element type (default: the first input's).
 */
function broadcastOp(opType, fn, opts = {}) {
    const from = opts.dtypeFrom ?? 0;
    return {
        opType,
        ...(opts.resultType ? { outputDType: opts.resultType } : {}),
        inferShapes: (_node, ctx) => {
            const dtype = opts.resultType ?? dtypeOf(ctx.inputTypes[from]);
            return [dtype ? tensorType(dtype, broadcastTypes(ctx.inputTypes)) : undefined];
        },
        evaluate: (node, inputs) => {
            const dtype = inputs[from]?.dtype;
            if (!dtype)
                throw new NotEvaluable(node, 'an input is missing');
            return [broadcastMap(node, inputs, opts.resultType ?? dtype, (xs) => fn(xs, dtype))];
        },
    };
}
/** Two-input broadcasting ops. */
function binaryOp(opType, fn, opts = {}) {
    return broadcastOp(opType, (xs, dtype) => fn(xs[0], xs[1], dtype), opts);
}
//# sourceMappingURL=elementwise.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LOGISTIC.js



const f = Math.fround;
/** TFLite int8 spec: output scale 1/256, zero point -128. */
const LOGISTIC = squashing('LOGISTIC', UNIT_INTERVAL_OUTPUT, (v) => 1 / (1 + Math.exp(-v)), (v) => f(1 / f(1 + f(Math.exp(-v)))), int16PoolLike);
//# sourceMappingURL=LOGISTIC.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/TANH.js



/** TFLite int8 spec: output scale 1/128, zero point 0. */
const TANH = squashing('TANH', SIGNED_UNIT_OUTPUT, Math.tanh, (v) => Math.fround(Math.tanh(v)), int16PoolLike);
//# sourceMappingURL=TANH.js.map
;// CONCATENATED MODULE: ./lib/ops/common/quant.js



/**
 * Building blocks for the ops' `quant` rules (see QuantRule in ../types.ts); an op with its own logic
 * writes its rule inline in its file.
 */
/** The data input only. */
const quant_first = () => [0];
/** Every present input ('' marks an absent optional one). */
const allInputs = (n) => n.inputs.map((_, i) => i).filter((i) => n.inputs[i] !== '');
/** Ops that move values without changing them: the output keeps its input's parameters. */
const passThrough = { activations: quant_first, output: 'same-as-input' };
/** One activation input; the output gets its own calibrated range. */
const quant_calibrated = { activations: quant_first, output: 'calibrated' };
/**
 * Inputs 0 and 1 of a binary op; a constant operand, on either side, is quantized as a per-tensor weight
 * (PP-OCRv4 det writes its learnable affine blocks as Mul(scale, x): a float constant there left the
 * Mul float between DequantizeLinear/QuantizeLinear).
 */
const binary = {
    activations: (n, g) => [0, 1].filter((i) => !g.initializers.has(n.inputs[i])),
    weight: (n, g) => {
        const index = [1, 0].find((i) => g.initializers.has(n.inputs[i]));
        return index === undefined ? undefined : { index, axis: -1 };
    },
    output: 'calibrated',
};
// The output parameters the TFLite int8 spec fixes, read from the builtins Sigmoid and Tanh lower to
// (Softmax's SOFTMAX has LOGISTIC's: both are outputs in [0, 1]).
const SIGMOID_OUT = fixedOutputOf(LOGISTIC);
const TANH_OUT = fixedOutputOf(TANH);
//# sourceMappingURL=quant.js.map
;// CONCATENATED MODULE: ./lib/ops/Erf.js

/** Abramowitz-Stegun 7.1.26 is too coarse for folding; this series is exact to float32 precision. */
function erf(x) {
    const ax = Math.abs(x);
    if (ax > 6)
        return Math.sign(x);
    let sum = ax;
    let term = ax;
    for (let n = 1; n < 200; n++) {
        term *= (-ax * ax) / n;
        const add = term / (2 * n + 1);
        sum += add;
        if (Math.abs(add) < 1e-17)
            break;
    }
    return (Math.sign(x) * 2 * sum) / Math.sqrt(Math.PI);
}
/* harmony default export */ const Erf = (unaryOp('Erf', () => erf, { floatOnly: true }));
//# sourceMappingURL=Erf.js.map
;// CONCATENATED MODULE: ./lib/ops/Gelu.js




/** The tanh approximation ('tanh') or the exact erf form ('none', the default). */
const geluApproximate = (node) => (attrString(node, 'approximate') ?? 'none') === 'tanh';
const geluExact = (x) => 0.5 * x * (1 + erf(x / Math.SQRT2));
const geluTanh = (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
/** Gelu (opset 20) -> GELU with its approximate flag; int8 is TFLite's lookup table. */
const tflite = {
    layout: 'agnostic',
    int8: true,
    lower(node, cx) {
        cx.emit('GELU', [cx.input(0)], [cx.output(0)], { approximate: attrs_int(geluApproximate(node) ? 1 : 0) });
    },
};
/* harmony default export */ const Gelu = ({
    ...unaryOp('Gelu', (node) => (geluApproximate(node) ? geluTanh : geluExact), { floatOnly: true }),
    quant: quant_calibrated,
    tflite,
});
//# sourceMappingURL=Gelu.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/GELU.js








/** GELU, exact (erf) or the tanh approximation; int8 (version 2) is a lookup table on the output's parameters. */
const GELU_kernel = unaryKernel('GELU', (cx, x, y) => {
    const f = attrInt(cx.node, 'approximate', 0) ? geluTanh : geluExact;
    return realFunctionEntry(cx, x, y, f, (v) => Math.fround(f(v)));
});
const GELU = defineBuiltin({
    name: 'GELU',
    options: optionsTable('GeluOptions', [field('approximate', 'bool')]),
    version: first([(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]),
    int8: calibrated,
    kernel: GELU_kernel,
});
//# sourceMappingURL=GELU.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/GREATER.js



/** Elementwise x > y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const GREATER = defineBuiltin({
    name: 'GREATER',
    options: optionsTable('GreaterOptions'),
    version: always1,
});
//# sourceMappingURL=GREATER.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/GREATER_EQUAL.js



/** Elementwise x >= y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const GREATER_EQUAL = defineBuiltin({
    name: 'GREATER_EQUAL',
    options: optionsTable('GreaterEqualOptions'),
    version: always1,
});
//# sourceMappingURL=GREATER_EQUAL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/HARD_SWISH.js






const hardSwish = (v) => (v * Math.min(6, Math.max(0, v + 3))) / 6;
/** pow2: the real function, rounded by the scheme's rule. affine: TFLite's int16 fixed-point kernel. */
const HARD_SWISH_kernel = unaryKernel('HARD_SWISH', (cx, x, y) => {
    if (cx.arith.scheme === 'affine')
        return tfliteHardSwish(x, y);
    const rounding = cx.arith.rounding;
    return (q) => roundReal(hardSwish((q - x.zeroPoint) * x.scale) / y.scale, rounding) + y.zeroPoint;
});
const I16_MIN = -32768;
const I16_MAX = 32767;
const sat16 = (v) => (v < I16_MIN ? I16_MIN : v > I16_MAX ? I16_MAX : v);
/** gemmlowp SaturatingRoundingDoublingHighMul on int16: (a b + nudge) / 2^15 toward zero. */
function srdhm16(a, b) {
    if (a === I16_MIN && b === I16_MIN)
        return I16_MAX;
    const ab = a * b;
    return Math.trunc((ab + (ab >= 0 ? 1 << 14 : 1 - (1 << 14))) / 32768);
}
/** The same without rounding: (a b) / 2^15 toward zero. */
function sdhm16(a, b) {
    if (a === I16_MIN && b === I16_MIN)
        return I16_MAX;
    return Math.trunc((a * b) / 32768);
}
function rdbp(x, e) {
    if (e <= 0)
        return x;
    const mask = (1 << e) - 1;
    return (x >> e) + ((x & mask) > (mask >> 1) + (x < 0 ? 1 : 0) ? 1 : 0);
}
/** A Q31 multiplier rounded to Q15 (TFLite DownScaleInt32ToInt16Multiplier). */
function toInt16Multiplier(m) {
    if (m >= 2147483647 - 32768)
        return I16_MAX;
    return (m + 32768) >> 16;
}
/**
 * TFLite's quantized HardSwish: the input at 128x finer scale, a "reluish" factor relu6(x + 3) / 6 in Q15
 * and the product, every multiply in int16 fixed point.
 */
function tfliteHardSwish(x, y) {
    const hires = Math.fround(x.scale / 128);
    const out = quantizeMultiplier(Math.fround(hires / y.scale));
    const reluish = quantizeMultiplier(Math.fround(hires / Math.fround(3 / 32768)));
    const outM = toInt16Multiplier(out.multiplier);
    const reluM = toInt16Multiplier(reluish.multiplier);
    return (q) => {
        const onHires = (q - x.zeroPoint) * 128;
        const preshift = srdhm16(onHires, outM);
        let r = onHires;
        if (reluish.shift > 0)
            r = sat16(r * 2 ** (reluish.shift - 1));
        r = srdhm16(r, reluM);
        if (reluish.shift > 0)
            r = sat16(r * 2);
        if (reluish.shift < 0)
            r = rdbp(r, -reluish.shift);
        r = (r + 32768) >> 1;
        return rdbp(sdhm16(r, preshift), -out.shift) + y.zeroPoint;
    };
}
const HARD_SWISH = defineBuiltin({
    name: 'HARD_SWISH',
    floorShift: 'table',
    options: optionsTable('HardSwishOptions'),
    version: always1,
    int8: calibrated,
    kernel: HARD_SWISH_kernel,
});
//# sourceMappingURL=HARD_SWISH.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/IF.js



/** A branch between two kept subgraphs; it stays float, its subgraphs are written back as read. */
const IF = defineBuiltin({
    name: 'IF',
    options: optionsTable('IfOptions', [
        field('then_subgraph_index', 'int'),
        field('else_subgraph_index', 'int'),
    ]),
    version: always1,
    subgraphFields: ['then_subgraph_index', 'else_subgraph_index'],
});
//# sourceMappingURL=IF.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LEAKY_RELU.js








/**
 * affine litert: XNNPACK's two 8-bit multipliers. affine reference: q - z_x >= 0 rescaled by s_x / s_y, else by alpha s_x / s_y, each a
 * fixed-point multiplier from float32 ratios. pow2: the real function, rounded by the scheme's rule.
 */
const LEAKY_RELU_kernel = unaryKernel('LEAKY_RELU', (cx, x, y) => {
    const alpha = Math.fround(attrFloat(cx.node, 'alpha', 0.2));
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
        // XNNPACK (LiteRT's path): 8-bit multipliers for each slope.
        const ratio = Math.fround(x.scale / y.scale);
        const positive = q8Function(x, y, ratio);
        const negative = q8Function(x, y, Math.fround(alpha * ratio));
        return (q) => (q >= x.zeroPoint ? positive(q) : negative(q));
    }
    if (cx.arith.scheme === 'affine') {
        const identity = quantizeMultiplier(Math.fround(x.scale / y.scale));
        const slope = quantizeMultiplier(Math.fround(Math.fround(x.scale * alpha) / y.scale));
        return (q) => {
            const v = q - x.zeroPoint;
            const m = v >= 0 ? identity : slope;
            return y.zeroPoint + multiplyByQuantizedMultiplier(v, m.multiplier, m.shift);
        };
    }
    const rounding = cx.arith.rounding;
    return (q) => {
        const v = (q - x.zeroPoint) * x.scale;
        return y.zeroPoint + roundReal((v >= 0 ? v : alpha * v) / y.scale, rounding);
    };
});
const LEAKY_RELU = defineBuiltin({
    name: 'LEAKY_RELU',
    positivelyHomogeneous: true,
    floorShift: 'table',
    options: optionsTable('LeakyReluOptions', [field('alpha', 'float')]),
    version: first([(s) => is(inp(s, 0), 'INT16'), 2]),
    int8: calibrated,
    kernel: LEAKY_RELU_kernel,
});
//# sourceMappingURL=LEAKY_RELU.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LESS.js



/** Elementwise x < y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const LESS = defineBuiltin({
    name: 'LESS',
    options: optionsTable('LessOptions'),
    version: always1,
});
//# sourceMappingURL=LESS.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LESS_EQUAL.js



/** Elementwise x <= y with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const LESS_EQUAL = defineBuiltin({
    name: 'LESS_EQUAL',
    options: optionsTable('LessEqualOptions'),
    version: always1,
});
//# sourceMappingURL=LESS_EQUAL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LOG.js



/** float32 only here: a converted graph keeps LOG in a float island. */
const LOG = defineBuiltin({
    name: 'LOG',
    options: null,
    version: always1,
    kernel: unaryKernel('LOG', undefined, Math.log),
});
//# sourceMappingURL=LOG.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LOGICAL_AND.js



/** Elementwise and of two bool tensors with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const LOGICAL_AND = defineBuiltin({
    name: 'LOGICAL_AND',
    options: optionsTable('LogicalAndOptions'),
    version: always1,
});
//# sourceMappingURL=LOGICAL_AND.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LOGICAL_NOT.js



/** Elementwise not of a bool tensor. */
const LOGICAL_NOT = defineBuiltin({
    name: 'LOGICAL_NOT',
    options: optionsTable('LogicalNotOptions'),
    version: always1,
});
//# sourceMappingURL=LOGICAL_NOT.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/LOGICAL_OR.js



/** Elementwise or of two bool tensors with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const LOGICAL_OR = defineBuiltin({
    name: 'LOGICAL_OR',
    options: optionsTable('LogicalOrOptions'),
    version: always1,
});
//# sourceMappingURL=LOGICAL_OR.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MAX_POOL_2D.js





/** The largest int8 in each window (padding never wins), then the fused activation's clamp. */
const MAX_POOL_2D_kernel = {
    opType: 'MAX_POOL_2D',
    prepare(cx) {
        const { shape, finish } = poolSetup(cx);
        const { W, C } = shape;
        const best = new Int32Array(C);
        return poolKernel(shape, (x, base, h0, h1, w0, w1, y, out) => {
            best.fill(-128);
            for (let h = h0; h < h1; h++) {
                for (let w = w0; w < w1; w++) {
                    const o = base + (h * W + w) * C;
                    for (let c = 0; c < C; c++)
                        if (x[o + c] > best[c])
                            best[c] = x[o + c];
                }
            }
            for (let c = 0; c < C; c++)
                y[out + c] = finish[best[c] + 128];
        });
    },
};
const MAX_POOL_2D = defineBuiltin({
    name: 'MAX_POOL_2D',
    positivelyHomogeneous: true,
    floorShift: 'exact',
    options: POOL_2D_OPTIONS,
    version: int16PoolLike,
    int8: sameAsInput,
    kernel: MAX_POOL_2D_kernel,
});
//# sourceMappingURL=MAX_POOL_2D.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MAXIMUM.js

const MAXIMUM = minMax('MAXIMUM', Math.max);
//# sourceMappingURL=MAXIMUM.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/reduce.js


/**
 * A reduction over the axes of input 1 (keep_dims option): int32 sums of the stored q, then `finish`.
 * `float32` finishes a float sum of n elements, for the float islands of a converted graph.
 */
function reduceKernel(opType, finishOf, float32) {
    return {
        opType,
        prepare(cx) {
            const x = requireDtype(cx, 0, 'int8', ...(float32 ? ['float32'] : []));
            const rank = x.shape.length;
            const axes = new Set(constantInts(cx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)));
            if ([...axes].some((a) => a < 0 || a >= rank))
                throw new KernelError(cx, `axes out of range for rank ${rank}`);
            const keep = attrInt(cx.node, 'keep_dims', 0) !== 0;
            const shape = keep
                ? x.shape.map((d, i) => (axes.has(i) ? 1 : d))
                : x.shape.filter((_, i) => !axes.has(i));
            const n = x.shape.reduce((p, d, i) => (axes.has(i) ? p * d : p), 1);
            const outStride = outStrides(x.shape, axes);
            if (x.dtype === 'float32')
                return floatReduce(x.shape, shape, n, outStride, float32);
            const xq = inputParams(cx, 0);
            const finish = finishOf(cx, xq, outputParams(cx, 0), n);
            const total = sizeOf(shape);
            const acc = new Int32Array(total);
            return {
                outputs: [{ dtype: 'int8', shape }],
                run([input], [output]) {
                    const dst = output;
                    acc.fill(0);
                    sumInto(input, x.shape, outStride, acc);
                    for (let i = 0; i < total; i++) {
                        const v = finish(acc[i]);
                        dst[i] = v < -128 ? -128 : v > 127 ? 127 : v;
                    }
                },
            };
        },
    };
}
/** Per input axis, the step in the output's flat index (0 on reduced axes). */
function outStrides(shape, axes) {
    const strides = new Array(shape.length).fill(0);
    let acc = 1;
    for (let i = shape.length - 1; i >= 0; i--) {
        if (axes.has(i))
            continue;
        strides[i] = acc;
        acc *= shape[i];
    }
    return strides;
}
function floatReduce(inShape, shape, n, outStride, finish) {
    const acc = new Float64Array(sizeOf(shape));
    return {
        outputs: [{ dtype: 'float32', shape }],
        run([input], [output]) {
            acc.fill(0);
            sumInto(input, inShape, outStride, acc);
            const dst = output;
            for (let i = 0; i < acc.length; i++)
                dst[i] = finish(acc[i], n);
        },
    };
}
function sumInto(src, shape, outStride, acc) {
    const rank = shape.length;
    if (rank === 0) {
        acc[0] = src[0];
        return;
    }
    const inner = shape[rank - 1];
    const step = outStride[rank - 1];
    const index = new Array(rank).fill(0);
    let out = 0;
    for (let i = 0; i < src.length; i += inner) {
        for (let j = 0, o = out; j < inner; j++, o += step)
            acc[o] = acc[o] + src[i + j];
        for (let d = rank - 2; d >= 0; d--) {
            index[d]++;
            out += outStride[d];
            if (index[d] < shape[d])
                break;
            out -= outStride[d] * index[d];
            index[d] = 0;
        }
    }
}
//# sourceMappingURL=reduce.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MEAN.js






/**
 * Mean over the axes of input 1, from the int32 sum of the stored q over n elements.
 * affine litert (XNNPACK): sum (s_x / s_y) / n + (z_y - z_x s_x / s_y), in float32, rounded half to even.
 * affine reference (TFLite reference_integer_ops::Mean): Σ(q - z_x) rescaled by s_x / s_y, then divided by n
 * half away from zero. pow2: Σ(q - z_x) (s_x / s_y) / n with the scheme's rounding (`pow2Averager`). float32
 * (a float island, as in a LayerNormalization): the sum over n.
 */
const MEAN_kernel = reduceKernel('MEAN', (cx, x, y, n) => {
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
        const ratio = Math.fround(x.scale / y.scale);
        const scale = Math.fround(ratio / n);
        const bias = Math.fround(Math.fround(-x.zeroPoint * ratio) + y.zeroPoint);
        return (sum) => roundHalfEven(Math.fround(Math.fround(Math.fround(sum) * scale) + bias));
    }
    const offset = n * x.zeroPoint;
    if (cx.arith.scheme === 'affine') {
        const m = quantizeMultiplier(x.scale / y.scale);
        const half = Math.floor(n / 2);
        return (sum) => {
            const v = multiplyByQuantizedMultiplier(sum - offset, m.multiplier, m.shift);
            return Math.trunc(v > 0 ? (v + half) / n : (v - half) / n) + y.zeroPoint;
        };
    }
    const average = pow2Averager(x.scale / y.scale, n, cx.arith.rounding);
    return (sum) => average(sum - offset) + y.zeroPoint;
}, (sum, n) => sum / n);
const MEAN = defineBuiltin({
    name: 'MEAN',
    options: REDUCER_OPTIONS,
    version: int16Int8,
    int8: calibrated,
    kernel: MEAN_kernel,
});
//# sourceMappingURL=MEAN.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MINIMUM.js

const MINIMUM = minMax('MINIMUM', Math.min);
//# sourceMappingURL=MINIMUM.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MUL.js






/**
 * affine (TFLite reference): z_out + MultiplyByQuantizedMultiplier((qa - za)(qb - zb), s_a s_b / s_out).
 * pow2: the product is at s_a s_b; one shift to the output's scale (`pow2Scaler`: exact where that is not
 * a power of two, as for two activations under an input_scale that is not one).
 */
const MUL_kernel = binaryKernel({
    opType: 'MUL',
    float32: (a, b) => a * b,
    int8: (cx, { a, b, out }) => {
        if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
            // XNNPACK (LiteRT's path): (float) product times s_a s_b / s_out in float32, rounded half to even.
            const scale = Math.fround(Math.fround(a.scale * b.scale) / out.scale);
            return (qa, qb) => roundHalfEven(Math.fround((qa - a.zeroPoint) * (qb - b.zeroPoint) * scale)) + out.zeroPoint;
        }
        if (cx.arith.scheme === 'affine') {
            const m = quantizeMultiplier((a.scale * b.scale) / out.scale);
            return (qa, qb) => multiplyByQuantizedMultiplier((qa - a.zeroPoint) * (qb - b.zeroPoint), m.multiplier, m.shift) +
                out.zeroPoint;
        }
        const scale = pow2Scaler((a.scale * b.scale) / out.scale, cx.arith.rounding);
        return (qa, qb) => scale((qa - a.zeroPoint) * (qb - b.zeroPoint)) + out.zeroPoint;
    },
});
const MUL = defineBuiltin({
    name: 'MUL',
    options: optionsTable('MulOptions', [activation]),
    version: first([(s) => (is(inp(s, 0), 'INT16') && inp(s, 0).scales === 0) || is(inp(s, 0), 'UINT32'), 7], [(s) => is(inp(s, 0), 'COMPLEX64'), 6], [(s) => is(inp(s, 0), 'INT64'), 5], [(s) => is(inp(s, 0), 'INT16'), 4], [(s) => mulRescale(s) >= 1, 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: elementwise,
    kernel: MUL_kernel,
});
/** MUL's input1_scale * input2_scale / output_scale, or 0 unless all three are per-tensor quantized. */
function mulRescale(s) {
    const [a, b, o] = [inp(s, 0).scale, inp(s, 1).scale, out(s, 0).scale];
    return a && b && o ? (a * b) / o : 0;
}
//# sourceMappingURL=MUL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/NEG.js




/**
 * -x. float32 here: TFLite's int8 NEG negates the stored values and ignores the parameters (its output
 * would need the input's scale and the negated zero point, which -128 does not have), so an int8 Neg
 * lowers to MUL by -1 instead (src/ops/Neg.ts).
 */
const NEG = defineBuiltin({
    name: 'NEG',
    options: optionsTable('NegOptions'),
    version: always1,
    kernel: unaryKernel('NEG', undefined, (v) => -v),
});
//# sourceMappingURL=NEG.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/NOT_EQUAL.js



/** Elementwise inequality with broadcasting, a bool output. Written float (ONNX's comparisons read dequantized values). */
const NOT_EQUAL = defineBuiltin({
    name: 'NOT_EQUAL',
    options: optionsTable('NotEqualOptions'),
    version: always1,
});
//# sourceMappingURL=NOT_EQUAL.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/MIRROR_PAD.js




/**
 * Pads by mirroring the input at its edges: mode REFLECT (0) leaves the edge value out, as ONNX Pad's
 * 'reflect' does; SYMMETRIC (1) repeats it. It only moves values, so int8 shares its input's parameters.
 */
const MIRROR_PAD = defineBuiltin({
    name: 'MIRROR_PAD',
    floorShift: 'exact',
    options: optionsTable('MirrorPadOptions', [field('mode', 'byte')]),
    version: int16Int8,
    int8: sameAsInput,
    keepsExtremes: true,
});
//# sourceMappingURL=MIRROR_PAD.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/PAD.js






/**
 * Pads with the real value 0, i.e. the output's zero point for int8 (TFLite quantized PAD). The input is
 * copied as runs: the trailing axes without padding, and the last padded one, are contiguous in both
 * tensors (a row of pixels in a spatial pad).
 */
const PAD_kernel = {
    opType: 'PAD',
    prepare(cx) {
        const x = cx.inputs[0];
        const rank = x.shape.length;
        const pads = constantInts(cx, 1, 'paddings');
        if (pads.length !== 2 * rank || pads.some((p) => p < 0))
            throw new KernelError(cx, `paddings [${pads}] do not fit rank ${rank} (non-negative [rank, 2])`);
        const before = Array.from({ length: rank }, (_, i) => pads[2 * i]);
        const shape = x.shape.map((d, i) => d + before[i] + pads[2 * i + 1]);
        const fill = x.dtype === 'int8' ? outputParams(cx, 0, 0).zeroPoint : 0;
        // Axes [inner, rank) carry no padding: one block each; the axes before are walked.
        let inner = rank;
        while (inner > 0 && pads[2 * (inner - 1)] === 0 && pads[2 * (inner - 1) + 1] === 0)
            inner--;
        if (inner === 0)
            inner = 1;
        // The blocks along axis inner - 1 are adjacent in the output too: one run each, from `start` on.
        inner--;
        const block = sizeOf(x.shape.slice(inner));
        const outStride = shape.map((_, i) => sizeOf(shape.slice(i + 1)));
        const start = before[inner] * outStride[inner];
        const outer = x.shape.slice(0, inner);
        const blocks = sizeOf(outer);
        const offsets = new Int32Array(blocks);
        const index = new Array(inner).fill(0);
        for (let r = 0; r < blocks; r++) {
            let to = 0;
            for (let d = 0; d < inner; d++)
                to += (index[d] + before[d]) * outStride[d];
            offsets[r] = to;
            for (let d = inner - 1; d >= 0; d--) {
                if (++index[d] < outer[d])
                    break;
                index[d] = 0;
            }
        }
        return {
            outputs: [{ dtype: x.dtype, shape }],
            run([input], [output]) {
                const src = input;
                const dst = output;
                dst.fill(fill);
                for (let r = 0; r < blocks; r++)
                    copyRun(dst, offsets[r] + start, src, r * block, block);
            },
        };
    },
};
const PAD = defineBuiltin({
    name: 'PAD',
    floorShift: 'exact',
    options: optionsTable('PadOptions'),
    version: first([(s) => is(inp(s, 0), 'BOOL'), 5], [(s) => rank(inp(s, 0)) > 4, 4], [(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: PAD_kernel,
});
//# sourceMappingURL=PAD.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/POW.js




/** x ** y with broadcasting; float32 only (TFLite's POW has float and int32 kernels, no int8). */
const POW = defineBuiltin({
    name: 'POW',
    options: optionsTable('PowOptions'),
    version: always1,
    kernel: binaryKernel({ opType: 'POW', float32: (a, b) => a ** b }),
});
//# sourceMappingURL=POW.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/PRELU.js



const PRELU = defineBuiltin({
    name: 'PRELU',
    positivelyHomogeneous: true,
    options: null,
    version: always1,
    int8: elementwise,
});
//# sourceMappingURL=PRELU.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/QUANTIZE.js






/**
 * float32 -> int8: clamp(round(x / s) + z), round half away from zero, x / s in float32 (TFLite
 * AffineQuantize; for pow2 the division by 2^e is exact, DESIGN.md's q = round(x * input_scale)).
 * int8 -> int8: a requantization, looked up from a 256-entry table.
 */
const QUANTIZE_kernel = {
    opType: 'QUANTIZE',
    prepare(cx) {
        const x = requireDtype(cx, 0, 'float32', 'int8');
        if (cx.outputs[0]?.dtype && cx.outputs[0].dtype !== 'int8')
            throw new KernelError(cx, `output is ${cx.outputs[0].dtype}; only int8 is supported`);
        const y = outputParams(cx, 0);
        const outputs = [{ dtype: 'int8', shape: [...x.shape] }];
        if (x.dtype === 'int8') {
            const table = int8Table(requantizeFunction(cx, inputParams(cx, 0), y));
            return {
                outputs,
                lookup: { unary: table, input: 0 },
                run: ([input], [output]) => applyTable(table, input, output),
            };
        }
        const element = (x) => {
            const v = roundHalfAway(Math.fround(x / y.scale)) + y.zeroPoint;
            return v < -128 ? -128 : v > 127 ? 127 : v;
        };
        return {
            outputs,
            lookup: { element, input: 0 },
            run([input], [output]) {
                const src = input;
                const dst = output;
                for (let i = 0; i < src.length; i++)
                    dst[i] = element(src[i]);
            },
        };
    },
};
const QUANTIZE = defineBuiltin({
    name: 'QUANTIZE',
    floorShift: 'exact',
    options: optionsTable('QuantizeOptions'),
    version: first([(s) => is(inp(s, 0), 'INT4') || is(out(s, 0), 'INT4'), 4], [(s) => out(s, 0).scales > 1, 3], [(s) => is(out(s, 0), 'INT16'), 2]),
    kernel: QUANTIZE_kernel,
});
//# sourceMappingURL=QUANTIZE.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/kernels/common/reduce-pick.js



/**
 * REDUCE_MAX / REDUCE_MIN: the stored value picked by `better` over the axes of input 1 (keep_dims
 * option). int8 input and output share their parameters (the TFLite int8 spec), so picking stored values
 * is the answer; float32 picks floats.
 */
function pickReduceKernel(opType, better) {
    return {
        opType,
        prepare(cx) {
            const x = requireDtype(cx, 0, 'int8', 'float32');
            if (x.dtype === 'int8') {
                const [a, b] = [inputParams(cx, 0), outputParams(cx, 0, 0)];
                if (a.scale !== b.scale || a.zeroPoint !== b.zeroPoint)
                    throw new KernelError(cx, "int8 output parameters must equal the input's");
            }
            const rank = x.shape.length;
            const axes = new Set(constantInts(cx, 1, 'axes').map((a) => (a < 0 ? a + rank : a)));
            const keep = attrInt(cx.node, 'keep_dims', 0) !== 0;
            const shape = keep
                ? x.shape.map((d, i) => (axes.has(i) ? 1 : d))
                : x.shape.filter((_, i) => !axes.has(i));
            const strides = outStrides(x.shape, axes);
            const total = sizeOf(shape);
            return {
                outputs: [{ dtype: x.dtype, shape }],
                run([input], [output]) {
                    const [src, dst] = [input, output];
                    const seen = new Uint8Array(total);
                    const index = new Array(rank).fill(0);
                    for (let i = 0; i < src.length; i++) {
                        let o = 0;
                        for (let d = 0; d < rank; d++)
                            o += index[d] * strides[d];
                        if (!seen[o] || better(src[i], dst[o]))
                            [dst[o], seen[o]] = [src[i], 1];
                        for (let d = rank - 1; d >= 0 && ++index[d] === x.shape[d]; d--)
                            index[d] = 0;
                    }
                },
            };
        },
    };
}
//# sourceMappingURL=reduce-pick.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/REDUCE_MAX.js





/** MAX over the axes of input 1 (keep_dims option); int8 picks stored values, so it keeps the input's parameters. */
const REDUCE_MAX = defineBuiltin({
    name: 'REDUCE_MAX',
    options: REDUCER_OPTIONS,
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: pickReduceKernel('REDUCE_MAX', (a, b) => a > b),
});
//# sourceMappingURL=REDUCE_MAX.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/REDUCE_MIN.js





/** MIN over the axes of input 1 (keep_dims option); int8 picks stored values, so it keeps the input's parameters. */
const REDUCE_MIN = defineBuiltin({
    name: 'REDUCE_MIN',
    options: REDUCER_OPTIONS,
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: pickReduceKernel('REDUCE_MIN', (a, b) => a < b),
});
//# sourceMappingURL=REDUCE_MIN.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/REDUCE_PROD.js



/** Product over the axes of input 1; written float (a product of int8 values has no calibrated scale of its own). */
const REDUCE_PROD = defineBuiltin({
    name: 'REDUCE_PROD',
    options: REDUCER_OPTIONS,
    version: always1,
});
//# sourceMappingURL=REDUCE_PROD.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RELU.js



/** Clamps to [q(0), 127]. */
const RELU = relu('RELU', ACT.RELU, first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8', 'UINT8'), 2]));
//# sourceMappingURL=RELU.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RELU6.js



/** Clamps to [q(0), q(6)]. */
const RELU6 = relu('RELU6', ACT.RELU6, int16Int8);
//# sourceMappingURL=RELU6.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RESHAPE.js







/** New shape from input 1, else the new_shape option, else the declared output shape; one -1 is inferred. */
const RESHAPE_kernel = viewKernel('RESHAPE', (cx, input) => {
    const given = cx.inputs[1]?.name
        ? constantInts(cx, 1, 'shape')
        : (attrInts(cx.node, 'new_shape') ?? cx.outputs[0]?.shape);
    if (!given)
        throw new KernelError(cx, 'the new shape is not known');
    const known = given.filter((d) => d !== -1);
    if (given.length - known.length > 1)
        throw new KernelError(cx, `shape [${given}] has more than one -1`);
    const rest = sizeOf(known);
    return given.map((d) => (d === -1 ? (rest ? sizeOf(input) / rest : 0) : d));
});
const RESHAPE = defineBuiltin({
    name: 'RESHAPE',
    floorShift: 'exact',
    options: optionsTable('ReshapeOptions', [field('new_shape', 'int[]')]),
    version: always1,
    int8: sameAsInput,
    keepsExtremes: true,
    kernel: RESHAPE_kernel,
});
//# sourceMappingURL=RESHAPE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RESIZE_BILINEAR.js




const RESIZE_BILINEAR = defineBuiltin({
    name: 'RESIZE_BILINEAR',
    options: optionsTable('ResizeBilinearOptions', [
        deprecated(field('new_height', 'int')),
        deprecated(field('new_width', 'int')),
        ...resizeFlags,
    ]),
    version: first([(s) => is(inp(s, 0), 'INT16'), 4], [(s) => opt(s, 'half_pixel_centers') === true, 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
});
//# sourceMappingURL=RESIZE_BILINEAR.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RESIZE_NEAREST_NEIGHBOR.js







/**
 * x [N,H,W,C] to [N, size[0], size[1], C], each output pixel a copy of one input pixel (int8 in and out
 * share their parameters, as TFLite's quantized RESIZE_NEAREST_NEIGHBOR requires). The source pixel is
 * TFLite's: scale in/out (or (in-1)/(out-1) with align_corners), in float32; floor((o + 0.5) * scale)
 * with half_pixel_centers, round(o * scale) with align_corners, floor(o * scale) otherwise; clamped.
 */
const RESIZE_NEAREST_NEIGHBOR_kernel = {
    opType: 'RESIZE_NEAREST_NEIGHBOR',
    prepare(cx) {
        const x = cx.inputs[0];
        if (x.shape.length !== 4)
            throw new KernelError(cx, `input [${x.shape}] is not [N, H, W, C]`);
        const [N, H, W, C] = x.shape;
        const size = constantInts(cx, 1, 'size');
        if (size.length !== 2 || size.some((d) => !(d > 0)))
            throw new KernelError(cx, `size [${size}] is not [height, width]`);
        const [OH, OW] = size;
        const alignCorners = attrInt(cx.node, 'align_corners', 0) !== 0;
        const halfPixel = attrInt(cx.node, 'half_pixel_centers', 0) !== 0;
        const source = (o, inSize, outSize) => {
            const f = Math.fround;
            const scale = alignCorners && outSize > 1 ? f((inSize - 1) / (outSize - 1)) : f(inSize / outSize);
            let i = alignCorners ? Math.round(f(o * scale)) : Math.floor(f(f(o + (halfPixel ? 0.5 : 0)) * scale));
            i = Math.min(i, inSize - 1);
            return halfPixel ? Math.max(0, i) : i;
        };
        const rows = Int32Array.from({ length: OH }, (_, o) => source(o, H, OH));
        const cols = Int32Array.from({ length: OW }, (_, o) => source(o, W, OW));
        return {
            outputs: [{ dtype: x.dtype, shape: [N, OH, OW, C] }],
            run([input], [output]) {
                const src = input;
                const dst = output;
                let to = 0;
                for (let n = 0; n < N; n++)
                    for (let oy = 0; oy < OH; oy++, to += OW * C) {
                        // an upsampling repeats each output row: copied from the one before
                        if (oy > 0 && rows[oy] === rows[oy - 1])
                            dst.copyWithin(to, to - OW * C, to);
                        else {
                            const row = (n * H + rows[oy]) * W;
                            for (let ox = 0; ox < OW; ox++)
                                copyRun(dst, to + ox * C, src, (row + cols[ox]) * C, C);
                        }
                    }
            },
        };
    },
};
const RESIZE_NEAREST_NEIGHBOR = defineBuiltin({
    name: 'RESIZE_NEAREST_NEIGHBOR',
    options: optionsTable('ResizeNearestNeighborOptions', resizeFlags),
    version: first([(s) => is(inp(s, 0), 'INT16'), 4], [(s) => opt(s, 'half_pixel_centers') === true || opt(s, 'align_corners') === true, 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: RESIZE_NEAREST_NEIGHBOR_kernel,
});
//# sourceMappingURL=RESIZE_NEAREST_NEIGHBOR.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/RSQRT.js





const rsqrt = (v) => 1 / Math.sqrt(v);
/**
 * 1 / sqrt(x) (the normalizations' reciprocal standard deviation). int8 (version 2) is a lookup table over
 * the 256 inputs on the calibrated output parameters, as TFLite's elementwise RsqrtEvalQuantized.
 */
const RSQRT = defineBuiltin({
    name: 'RSQRT',
    options: null,
    version: first([(s) => is(inp(s, 0), 'INT16'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: calibrated,
    kernel: unaryKernel('RSQRT', (cx, x, y) => realFunctionEntry(cx, x, y, rsqrt, (v) => Math.fround(1 / Math.fround(Math.sqrt(v)))), (v) => 1 / Math.sqrt(v)),
});
//# sourceMappingURL=RSQRT.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SELECT_V2.js



/** condition ? x : y with broadcasting (ONNX Where). Written float here (Where has no quantizer rule). */
const SELECT_V2 = defineBuiltin({
    name: 'SELECT_V2',
    options: optionsTable('SelectV2Options'),
    version: always1,
});
//# sourceMappingURL=SELECT_V2.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SLICE.js




const SLICE = defineBuiltin({
    name: 'SLICE',
    options: optionsTable('SliceOptions'),
    version: first([(s) => is(inp(s, 0), 'UINT32'), 6], [(s) => rank(inp(s, 0)) > 4, 5], [(s) => is(inp(s, 0), 'INT16'), 4], [(s) => is(inp(s, 0), 'STRING'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
});
//# sourceMappingURL=SLICE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SOFTMAX.js






/** Fraction bits of the exp table: e^(-beta s d) as an integer out of 2^24. */
const EXP_BITS = 24;
/**
 * Softmax over the last axis in integers: d = max - q (0..255) indexes a table of e^(-beta s_x d) in
 * Q24, the row's sum is an integer, and each output is E 256 / sum rounded half up, + z_y (TFLite int8
 * spec: output 1/256, -128). Every product stays below 2^53, so double arithmetic is exact.
 */
const SOFTMAX_kernel = {
    opType: 'SOFTMAX',
    prepare(cx) {
        const x = requireDtype(cx, 0, 'int8');
        const xq = inputParams(cx, 0);
        const yq = outputParams(cx, 0);
        const beta = Math.fround(attrFloat(cx.node, 'beta', 1));
        const levels = 1 / yq.scale;
        if (!Number.isInteger(levels))
            throw new KernelError(cx, `output scale ${yq.scale} is not 1/n (spec: 1/256)`);
        const table = new Float64Array(256);
        for (let d = 0; d < 256; d++)
            table[d] = Math.round(Math.exp(-beta * xq.scale * d) * 2 ** EXP_BITS);
        const depth = x.shape.at(-1) ?? 1;
        return {
            outputs: [{ dtype: 'int8', shape: [...x.shape] }],
            run([input], [output]) {
                const src = input;
                const dst = output;
                for (let row = 0; row < src.length; row += depth) {
                    let max = -128;
                    for (let j = 0; j < depth; j++)
                        if (src[row + j] > max)
                            max = src[row + j];
                    let sum = 0;
                    for (let j = 0; j < depth; j++)
                        sum += table[max - src[row + j]];
                    for (let j = 0; j < depth; j++) {
                        const e = table[max - src[row + j]];
                        const v = Math.floor((2 * e * levels + sum) / (2 * sum)) + yq.zeroPoint;
                        dst[row + j] = v < -128 ? -128 : v > 127 ? 127 : v;
                    }
                }
            },
        };
    },
};
const SOFTMAX = defineBuiltin({
    name: 'SOFTMAX',
    options: optionsTable('SoftmaxOptions', [field('beta', 'float')]),
    version: int16Int8,
    // TFLite int8 spec: output scale 1/256, zero point -128.
    int8: fixedOutput(UNIT_INTERVAL_OUTPUT),
    keepsExtremes: true,
    kernel: SOFTMAX_kernel,
});
//# sourceMappingURL=SOFTMAX.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SPACE_TO_DEPTH.js




/** Moves block_size x block_size patches of space into channels (NHWC); int8 keeps the input's parameters. */
const SPACE_TO_DEPTH = defineBuiltin({
    name: 'SPACE_TO_DEPTH',
    options: optionsTable('SpaceToDepthOptions', [field('block_size', 'int')]),
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    keepsExtremes: true,
});
//# sourceMappingURL=SPACE_TO_DEPTH.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SPLIT.js



const SPLIT = defineBuiltin({
    name: 'SPLIT',
    options: optionsTable('SplitOptions', [field('num_splits', 'int')]),
    // Input 0 is the axis; the data is input 1.
    version: first([(s) => is(inp(s, 1), 'INT16'), 4], [(s) => is(inp(s, 1), 'INT32'), 3], [(s) => is(inp(s, 1), 'INT8'), 2]),
    int8: { activations: () => [1], output: 'same-as-input' },
});
//# sourceMappingURL=SPLIT.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SQRT.js



/** float32 only: TFLite's SQRT has no int8 kernel, so a converted graph keeps it in a float island. */
const SQRT = defineBuiltin({
    name: 'SQRT',
    options: null,
    version: always1,
    kernel: unaryKernel('SQRT', undefined, Math.sqrt),
});
//# sourceMappingURL=SQRT.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SQUEEZE.js







/** Drops the size-1 axes in squeeze_dims (every size-1 axis when it is empty). */
const SQUEEZE_kernel = viewKernel('SQUEEZE', (cx, input) => {
    const dims = attrInts(cx.node, 'squeeze_dims', []).map((a) => normalizeAxis(cx, a, input.length));
    const drop = new Set(dims.length ? dims : input.flatMap((d, i) => (d === 1 ? [i] : [])));
    for (const a of drop)
        if (input[a] !== 1)
            throw new KernelError(cx, `axis ${a} has size ${input[a]}, not 1`);
    return input.filter((_, i) => !drop.has(i));
});
const SQUEEZE = defineBuiltin({
    name: 'SQUEEZE',
    floorShift: 'exact',
    options: optionsTable('SqueezeOptions', [field('squeeze_dims', 'int[]')]),
    version: first([(s) => is(inp(s, 0), 'STRING'), 2]),
    int8: sameAsInput,
    keepsExtremes: true,
    kernel: SQUEEZE_kernel,
});
//# sourceMappingURL=SQUEEZE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/STRIDED_SLICE.js






const STRIDED_SLICE_clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
/**
 * One axis as TFLite's strided_slice_logic.h resolves it: a masked begin/end is the fullest range in the
 * stride's direction; negatives count from the end; both are clamped to [0, dim] (stride > 0) or
 * [-1, dim - 1] (stride < 0). A shrunk axis takes the one element at begin (begin_mask: the first) and
 * drops the axis; TensorFlow requires a positive stride there ("only stride 1 allowed on non-range
 * indexing"), so a non-positive one is refused rather than guessed.
 */
function axisRange(cx, dim, spec) {
    const { begin, end, stride } = spec;
    if (stride === 0)
        throw new KernelError(cx, 'a stride of 0');
    if (spec.shrink) {
        if (stride < 0)
            throw new KernelError(cx, `shrink_axis_mask with stride ${stride}`);
        const at = spec.beginMasked ? 0 : begin < 0 ? begin + dim : begin;
        if (at < 0 || at >= dim)
            throw new KernelError(cx, `shrunk index ${begin} is out of [0, ${dim})`);
        return { start: at, size: 1, step: 1, keep: false };
    }
    const [lo, hi] = stride > 0 ? [0, dim] : [-1, dim - 1];
    const resolve = (v, masked, full) => masked ? full : STRIDED_SLICE_clamp(v < 0 ? v + dim : v, lo, hi);
    const start = resolve(begin, spec.beginMasked, stride > 0 ? 0 : dim - 1);
    const stop = resolve(end, spec.endMasked, stride > 0 ? dim : -1);
    const size = Math.max(0, Math.ceil((stop - start) / stride));
    return { start, size, step: stride, keep: true };
}
/**
 * NumPy-style x[begin:end:stride, ...] with TFLite's masks (bit i refers to spec i, the i-th entry of
 * begin/end/strides): begin_mask/end_mask (fullest range), shrink_axis_mask (index, axis dropped),
 * new_axis_mask (a new axis of 1; begin/end/stride ignored), ellipsis_mask (as many full axes as the specs
 * leave out); axes after the last spec are taken whole. Pure data movement: the output keeps the input's
 * parameters (sameAsInput), so the copy is exact in any arithmetic. `offset` (version 8: end relative to
 * begin) is refused: no converter we read writes it.
 */
const STRIDED_SLICE_kernel = {
    opType: 'STRIDED_SLICE',
    prepare(cx) {
        const x = cx.inputs[0];
        if (!x)
            throw new KernelError(cx, 'input 0 is missing');
        const begin = constantInts(cx, 1, 'begin');
        const end = constantInts(cx, 2, 'end');
        const strides = cx.inputs[3]?.name ? constantInts(cx, 3, 'strides') : begin.map(() => 1);
        const specs = begin.length;
        if (end.length !== specs || strides.length !== specs)
            throw new KernelError(cx, `begin/end/strides lengths differ (${specs}, ${end.length}, ${strides.length})`);
        if (attrInt(cx.node, 'offset', 0))
            throw new KernelError(cx, 'offset (end relative to begin) is not supported');
        const mask = (name) => attrInt(cx.node, name, 0);
        const [beginMask, endMask, ellipsisMask, newAxisMask, shrinkMask] = [
            'begin_mask',
            'end_mask',
            'ellipsis_mask',
            'new_axis_mask',
            'shrink_axis_mask',
        ].map(mask);
        const bit = (m, i) => ((m >> i) & 1) === 1;
        const rank = x.shape.length;
        // Specs that consume an input axis: all but new axes and the ellipsis.
        let consuming = 0;
        for (let i = 0; i < specs; i++)
            if (!bit(newAxisMask, i) && !bit(ellipsisMask, i))
                consuming++;
        const ranges = [];
        const shape = [];
        const full = (d) => ({ start: 0, size: x.shape[d], step: 1, keep: true });
        let ellipsisSeen = false;
        for (let i = 0; i < specs; i++) {
            if (bit(ellipsisMask, i)) {
                if (ellipsisSeen)
                    throw new KernelError(cx, 'more than one ellipsis');
                ellipsisSeen = true;
                for (let k = 0; k < rank - consuming; k++) {
                    ranges.push(full(ranges.length));
                    shape.push(x.shape[ranges.length - 1]);
                }
            }
            else if (bit(newAxisMask, i)) {
                shape.push(1);
            }
            else {
                const d = ranges.length;
                if (d >= rank)
                    throw new KernelError(cx, `${specs} slice specs for rank ${rank}`);
                const r = axisRange(cx, x.shape[d], {
                    begin: begin[i],
                    end: end[i],
                    stride: strides[i],
                    beginMasked: bit(beginMask, i),
                    endMasked: bit(endMask, i),
                    shrink: bit(shrinkMask, i),
                });
                ranges.push(r);
                if (r.keep)
                    shape.push(r.size);
            }
        }
        while (ranges.length < rank) {
            ranges.push(full(ranges.length));
            shape.push(x.shape[ranges.length - 1]);
        }
        const inStride = new Array(rank).fill(1);
        for (let d = rank - 2; d >= 0; d--)
            inStride[d] = inStride[d + 1] * x.shape[d + 1];
        let base = 0;
        for (let d = 0; d < rank; d++)
            base += ranges[d].start * inStride[d];
        const sizes = ranges.map((r) => r.size);
        const step = ranges.map((r, d) => r.step * inStride[d]);
        const total = sizeOf(sizes);
        return {
            outputs: [{ dtype: x.dtype, shape }],
            run([input], [output]) {
                const src = input;
                const dst = output;
                if (total === 0)
                    return;
                if (rank === 0) {
                    dst[0] = src[0];
                    return;
                }
                // Walk the output in order; the innermost axis is one contiguous run when its step is 1.
                const inner = sizes[rank - 1];
                const innerStep = step[rank - 1];
                const index = new Array(rank).fill(0);
                let from = base;
                for (let o = 0; o < total; o += inner) {
                    if (innerStep === 1)
                        dst.set(src.subarray(from, from + inner), o);
                    else
                        for (let j = 0, f = from; j < inner; j++, f += innerStep)
                            dst[o + j] = src[f];
                    for (let d = rank - 2; d >= 0; d--) {
                        index[d]++;
                        from += step[d];
                        if (index[d] < sizes[d])
                            break;
                        from -= step[d] * index[d];
                        index[d] = 0;
                    }
                }
            },
        };
    },
};
const STRIDED_SLICE = defineBuiltin({
    name: 'STRIDED_SLICE',
    options: optionsTable('StridedSliceOptions', [
        field('begin_mask', 'int'),
        field('end_mask', 'int'),
        field('ellipsis_mask', 'int'),
        field('new_axis_mask', 'int'),
        field('shrink_axis_mask', 'int'),
        field('offset', 'bool'),
    ]),
    version: first([(s) => opt(s, 'offset') === true, 8], [(s) => is(inp(s, 0), 'UINT32'), 7], [(s) => !!opt(s, 'ellipsis_mask') || !!opt(s, 'new_axis_mask'), 6], [(s) => is(inp(s, 0), 'STRING'), 5], [(s) => rank(inp(s, 0)) > 4, 4], [(s) => is(inp(s, 0), 'BOOL'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    kernel: STRIDED_SLICE_kernel,
});
//# sourceMappingURL=STRIDED_SLICE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SUB.js


const SUB = addSub('SUB', -1, first([(s) => is(inp(s, 0), 'INT16') && is(out(s, 0), 'INT16') && opt(s, 'pot_scale_int16') === false, 5], [(s) => is(inp(s, 0), 'INT64'), 4], [broadcast5d, 3], [(s) => is(inp(s, 0), 'INT8'), 2]));
//# sourceMappingURL=SUB.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/SUM.js






/**
 * Sum over the axes of input 1, from the int32 sum of the stored q over n elements.
 * affine litert (XNNPACK): sum s_x / s_y + (z_y - n z_x s_x / s_y), in float32, rounded half to even.
 * affine reference: z_y + MultiplyByQuantizedMultiplier(Σ(q - z_x), s_x / s_y).
 * pow2: Σ(q - z_x) shifted by e_y - e_x with the scheme's rounding.
 */
const SUM_kernel = reduceKernel('SUM', (cx, x, y, n) => {
    const offset = n * x.zeroPoint;
    if (cx.arith.scheme === 'affine' && cx.arith.affineKernels === 'litert') {
        const scale = Math.fround(x.scale / y.scale);
        const bias = Math.fround(Math.fround(-offset * scale) + y.zeroPoint);
        return (sum) => roundHalfEven(Math.fround(Math.fround(Math.fround(sum) * scale) + bias));
    }
    if (cx.arith.scheme === 'affine') {
        const m = quantizeMultiplier(x.scale / y.scale);
        return (sum) => multiplyByQuantizedMultiplier(sum - offset, m.multiplier, m.shift) + y.zeroPoint;
    }
    const scale = pow2Scaler(x.scale / y.scale, cx.arith.rounding);
    return (sum) => scale(sum - offset) + y.zeroPoint;
});
const SUM = defineBuiltin({
    name: 'SUM',
    options: REDUCER_OPTIONS,
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: calibrated,
    kernel: SUM_kernel,
});
//# sourceMappingURL=SUM.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/TILE.js




/** The input repeated along each axis by the int32 multiples of input 1; int8 keeps the input's parameters. */
const TILE = defineBuiltin({
    name: 'TILE',
    options: optionsTable('TileOptions'),
    version: first([(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    keepsExtremes: true,
});
//# sourceMappingURL=TILE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/TRANSPOSE.js





/** y[i0..] = x[permuted index], walking y in order with the input offset stepped per axis. */
const TRANSPOSE_kernel = {
    opType: 'TRANSPOSE',
    prepare(cx) {
        const x = cx.inputs[0];
        const rank = x.shape.length;
        const perm = constantInts(cx, 1, 'perm');
        if (perm.length !== rank || [...perm].sort().some((p, i) => p !== i))
            throw new KernelError(cx, `perm [${perm}] is not a permutation of ${rank} axes`);
        const inStride = new Array(rank).fill(1);
        for (let i = rank - 2; i >= 0; i--)
            inStride[i] = inStride[i + 1] * x.shape[i + 1];
        const shape = perm.map((p) => x.shape[p]);
        const step = perm.map((p) => inStride[p]);
        return {
            outputs: [{ dtype: x.dtype, shape }],
            run([input], [output]) {
                const src = input;
                const dst = output;
                if (rank === 0) {
                    dst[0] = src[0];
                    return;
                }
                const inner = shape[rank - 1];
                const innerStep = step[rank - 1];
                const index = new Array(rank).fill(0);
                let from = 0;
                for (let o = 0; o < dst.length; o += inner) {
                    for (let j = 0, f = from; j < inner; j++, f += innerStep)
                        dst[o + j] = src[f];
                    for (let d = rank - 2; d >= 0; d--) {
                        index[d]++;
                        from += step[d];
                        if (index[d] < shape[d])
                            break;
                        from -= step[d] * index[d];
                        index[d] = 0;
                    }
                }
            },
        };
    },
};
const TRANSPOSE = defineBuiltin({
    name: 'TRANSPOSE',
    floorShift: 'exact',
    options: optionsTable('TransposeOptions'),
    version: first([(s) => is(inp(s, 0), 'INT4'), 7], [(s) => rank(inp(s, 0)) > 5, 6], [(s) => is(inp(s, 0), 'INT16'), 5], [(s) => rank(inp(s, 0)) > 4, 4], [(s) => is(inp(s, 0), 'BOOL'), 3], [(s) => is(inp(s, 0), 'INT8'), 2]),
    int8: sameAsInput,
    keepsExtremes: true,
    kernel: TRANSPOSE_kernel,
});
//# sourceMappingURL=TRANSPOSE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/TRANSPOSE_CONV.js







/**
 * TFLite's TRANSPOSE_CONV: inputs output_shape [4] (constant), w [OC,KH,KW,IC], x [N,H,W,IC], bias [OC]
 * (optional). Each input pixel scatters into the output: y[iy*sh + kh - pad_top, ix*sw + kw - pad_left, oc]
 * += Σ_ic (x - z_x) w, the padding TFLite computes for the forward conv from the output's size back to
 * the input's. The input is centred before the sums (a pixel near the border receives fewer taps, so the
 * zero-point correction is per pixel, not per channel); then the scheme's rescale, as CONV_2D's.
 */
const TRANSPOSE_CONV_kernel = {
    opType: 'TRANSPOSE_CONV',
    prepare(cx) {
        const shape = constantInts(cx, 0, 'output_shape');
        const { x, w, b } = weightedOperands(cx, { x: 2, w: 1, b: 3 });
        const [N, H, W, IC] = x.shape;
        const [OC, KH, KW, WC] = w.shape;
        if (x.shape.length !== 4 || w.shape.length !== 4 || WC !== IC)
            throw new KernelError(cx, `input [${x.shape}] and filter [${w.shape}] do not match`);
        if (shape.length !== 4 || shape[0] !== N || shape[3] !== OC)
            throw new KernelError(cx, `output_shape [${shape}] does not fit input [${x.shape}], filter [${w.shape}]`);
        const [OH, OW] = [shape[1], shape[2]];
        const attrs = windowAttrs(cx, KH, KW);
        const { padTop, padLeft } = windowGeometry(OH, OW, attrs);
        const arena = cx.arena();
        const geometry = { strideH: attrs.strideH, strideW: attrs.strideW, padTop, padLeft };
        const dims = { H, W, IC, OH, OW, OC, KH, KW };
        const outputs = [{ dtype: 'int8', shape: [N, OH, OW, OC] }];
        if (arena && tiles(dims, geometry))
            return { outputs, run: tiledGemm(cx, arena, w, b, dims, N) };
        const xq = inputParams(cx, 2);
        const yq = outputParams(cx, 0);
        // centred input: no zero-point correction left to make (no weight sums needed)
        const centred = { scale: xq.scale, zeroPoint: 0 };
        const rescale = weightedRescale(cx, centred, w, b, yq, new Int32Array(OC), OH * OW);
        const src = w.data;
        const accumulate = arena
            ? gemmScatter(arena, src, xq.zeroPoint, dims, geometry)
            : loopScatter(src, xq.zeroPoint, dims, geometry);
        // sums of at most KH*KW*IC products of |x - z| <= 255 and |w| <= 127: exact in int32
        const acc = new Int32Array(OH * OW * OC);
        return {
            outputs,
            run(inputs, [output]) {
                const xs = inputs[2];
                for (let n = 0; n < N; n++) {
                    accumulate(xs.subarray(n * H * W * IC, (n + 1) * H * W * IC), acc);
                    const y = output.subarray(n * OH * OW * OC, (n + 1) * OH * OW * OC);
                    rescale.rows(acc, OH * OW, y, OC);
                }
            },
        };
    },
};
/** The accumulators in JS: each input pixel, centred, scattered through every tap it reaches. */
function loopScatter(src, zx, d, g) {
    const { H, W, IC, OH, OW, OC, KH, KW } = d;
    // weights as [KH, KW, IC, OC]: one tap's OC outputs for each input channel are contiguous
    const wt = new Float64Array(KH * KW * IC * OC);
    for (let oc = 0; oc < OC; oc++)
        for (let t = 0; t < KH * KW; t++)
            for (let ic = 0; ic < IC; ic++)
                wt[(t * IC + ic) * OC + oc] = src[(oc * KH * KW + t) * IC + ic];
    const centred = new Float64Array(IC);
    return (xs, acc) => {
        acc.fill(0);
        for (let iy = 0; iy < H; iy++)
            for (let ix = 0; ix < W; ix++) {
                const from = (iy * W + ix) * IC;
                for (let ic = 0; ic < IC; ic++)
                    centred[ic] = xs[from + ic] - zx;
                for (let kh = 0; kh < KH; kh++) {
                    const oy = iy * g.strideH + kh - g.padTop;
                    if (oy < 0 || oy >= OH)
                        continue;
                    for (let kw = 0; kw < KW; kw++) {
                        const ox = ix * g.strideW + kw - g.padLeft;
                        if (ox < 0 || ox >= OW)
                            continue;
                        const to = (oy * OW + ox) * OC;
                        const tap = (kh * KW + kw) * IC * OC;
                        for (let ic = 0; ic < IC; ic++) {
                            const v = centred[ic];
                            if (v === 0)
                                continue;
                            const row = tap + ic * OC;
                            for (let oc = 0; oc < OC; oc++)
                                acc[to + oc] += v * wt[row + oc];
                        }
                    }
                }
            }
    };
}
/**
 * The accumulators through the WebAssembly int8 GEMM: C [H W, KH KW OC] = x [H W, IC] w' [KH KW OC, IC]^T
 * gives every (pixel, tap, output channel) sum Σ_ic x w at once, then each is scattered to its output
 * pixel less z_x Σ_ic w: Σ (x - z_x) w, the JS loop's integers (PP-OCRv4 det at 640x640: 230 ms of a
 * run in its two TRANSPOSE_CONVs in JS).
 */
function gemmScatter(arena, src, zx, d, g) {
    const { H, W, IC, OH, OW, OC, KH, KW } = d;
    const taps = KH * KW;
    const cols = taps * OC;
    // w' row (t OC + oc) is filter oc's tap t, IC weights; its zero-point term z_x Σ_ic w
    const rows = new Int8Array(cols * IC);
    const zeroTerm = new Int32Array(cols);
    for (let oc = 0; oc < OC; oc++)
        for (let t = 0; t < taps; t++) {
            const at = (t * OC + oc) * IC;
            rows.set(src.subarray((oc * taps + t) * IC, (oc * taps + t + 1) * IC), at);
            let sum = 0;
            for (let ic = 0; ic < IC; ic++)
                sum += rows[at + ic];
            zeroTerm[t * OC + oc] = zx * sum;
        }
    const gemm = new Int8Gemm(arena, rows, cols, IC, H * W);
    return (x, acc) => {
        acc.fill(0);
        for (let p0 = 0; p0 < H * W; p0 += gemm.tile) {
            const count = Math.min(gemm.tile, H * W - p0);
            const a = gemm.input();
            if (gemm.kp === IC)
                a.set(x.subarray(p0 * IC, (p0 + count) * IC));
            else
                for (let p = 0; p < count; p++)
                    a.set(x.subarray((p0 + p) * IC, (p0 + p + 1) * IC), p * gemm.kp);
            gemm.run(count);
            const c = gemm.output();
            for (let p = p0; p < p0 + count; p++) {
                const [iy, ix] = [Math.floor(p / W), p % W];
                const base = (p - p0) * gemm.n;
                for (let kh = 0; kh < KH; kh++) {
                    const oy = iy * g.strideH + kh - g.padTop;
                    if (oy < 0 || oy >= OH)
                        continue;
                    for (let kw = 0; kw < KW; kw++) {
                        const ox = ix * g.strideW + kw - g.padLeft;
                        if (ox < 0 || ox >= OW)
                            continue;
                        const to = (oy * OW + ox) * OC;
                        const col = (kh * KW + kw) * OC;
                        for (let oc = 0; oc < OC; oc++)
                            acc[to + oc] += c[base + col + oc] - zeroTerm[col + oc];
                    }
                }
            }
        }
    };
}
/**
 * The filter tiles the output: stride = filter size, no padding, output = input x stride (PP-OCRv4 det's
 * 2x2 stride-2 upsamplings). Each output pixel then receives exactly one tap, so nothing is summed across
 * input pixels.
 */
function tiles(d, g) {
    return (g.strideH === d.KH &&
        g.strideW === d.KW &&
        g.padTop === 0 &&
        g.padLeft === 0 &&
        d.OH === d.H * d.KH &&
        d.OW === d.W * d.KW);
}
/**
 * A tiling TRANSPOSE_CONV (see `tiles`) as a 1x1 conv with KH KW OC channels: the GEMM's sum for
 * (pixel, tap, oc) is already that output pixel's accumulator, so it is rescaled where the GEMM left it
 * (one channel per tap and output channel, with that channel's bias and the input zero point's
 * correction z_x Σ_ic w: the same integer as gemmScatter's acc + bias) and only the int8 results are
 * moved to their pixels. PP-OCRv4 det at 640x640: the scatter and JS rescale of 2.5 M int32 accumulators
 * were 40 ms of a device run's 370.
 */
function tiledGemm(cx, arena, w, b, d, N) {
    const { H, W, IC, OC, KH, KW } = d;
    const src = w.data;
    const cols = KH * KW * OC;
    // w' row (t OC + oc) is filter oc's tap t: the (tap, oc) channel's IC weights
    const rows = new Int8Array(cols * IC);
    const sums = new Int32Array(cols);
    for (let oc = 0; oc < OC; oc++)
        for (let t = 0; t < KH * KW; t++) {
            const at = (t * OC + oc) * IC;
            rows.set(src.subarray((oc * KH * KW + t) * IC, (oc * KH * KW + t + 1) * IC), at);
            for (let ic = 0; ic < IC; ic++)
                sums[t * OC + oc] += rows[at + ic];
        }
    // A tile of whole input rows at a time: their output rows are whole too.
    const gemm = new Int8Gemm(arena, rows, cols, IC, H * W, W);
    const yq = outputParams(cx, 0);
    const perChannel = channelScales(cx, w, OC);
    const bias = b?.data;
    const rescale = channelRescale(cx, {
        input: inputParams(cx, 2),
        weightScales: Array.from({ length: cols }, (_, c) => perChannel[c % OC]),
        output: yq,
        bias: bias && Int32Array.from({ length: cols }, (_, c) => bias[c % OC]),
        weightSums: sums,
        range: activationRange(cx, fusedActivation(cx), yq),
        rows: gemm.tile,
    });
    const tapped = new Int8Array(gemm.tile * cols);
    const words = (KW * OC) % 4 === 0 ? new Int32Array(tapped.buffer) : undefined;
    return ([, , input], [output]) => {
        const y = output;
        for (let n = 0; n < N; n++) {
            for (let iy = 0; iy < H; iy += gemm.tile / W) {
                const h = Math.min(gemm.tile / W, H - iy);
                const a = gemm.input();
                const x = input.subarray((n * H + iy) * W * IC, (n * H + iy + h) * W * IC);
                if (gemm.kp === IC)
                    a.set(x);
                else
                    for (let p = 0; p < h * W; p++)
                        a.set(x.subarray(p * IC, (p + 1) * IC), p * gemm.kp);
                gemm.run(h * W);
                if (rescale.native)
                    rescale.native(gemm.outputOffset, h * W, tapped, gemm.n);
                else
                    rescale.rows(gemm.output(), h * W, tapped, gemm.n);
                const at = (n * H + iy) * W * cols;
                if (words && (y.byteOffset & 3) === 0)
                    untile(new Int32Array(y.buffer, y.byteOffset + at, (h * W * cols) >> 2), words, h, W, KH, cols >> 2);
                else
                    untile(y.subarray(at, at + h * W * cols), tapped, h, W, KH, cols);
            }
        }
    };
}
/**
 * Moves a tiling TRANSPOSE_CONV's results to their pixels: input pixel (iy, ix)'s KH rows of KW OC
 * values (`tapped`, `cols` elements per input pixel, one after another; H rows of W pixels) go to output
 * rows iy KH + kh, one after another.
 * Elements are bytes, or groups of four bytes when KW OC is a multiple of 4 (a quarter of the moves).
 */
function untile(y, tapped, H, W, KH, cols) {
    const run = cols / KH;
    let to = 0;
    for (let iy = 0; iy < H; iy++)
        for (let kh = 0; kh < KH; kh++)
            for (let ix = 0, from = iy * W * cols + kh * run; ix < W; ix++, from += cols)
                for (let i = 0; i < run; i++)
                    y[to++] = tapped[from + i];
}
const TRANSPOSE_CONV = defineBuiltin({
    name: 'TRANSPOSE_CONV',
    options: optionsTable('TransposeConvOptions', [padding, strideW, strideH, activation, quantizedBiasType]),
    // Inputs: output shape, filter (OHWI), input, optional bias.
    version: first([(s) => io(s, 'INT16', 'INT8', 'INT16') && !!opt(s, 'quantized_bias_type'), 5], [(s) => !!opt(s, 'fused_activation_function'), 4], [(s) => s.inputs.length === 4 && inp(s, 3).type !== undefined, 3], [(s) => is(inp(s, 1), 'INT8'), 2]),
    int8: { activations: () => [2], weight: { index: 1, axis: 0 }, bias: 3, output: 'calibrated' },
    kernel: TRANSPOSE_CONV_kernel,
});
//# sourceMappingURL=TRANSPOSE_CONV.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/WHILE.js



/** A loop over two kept subgraphs (cond, body); it stays float, its subgraphs are written back as read. */
const WHILE = defineBuiltin({
    name: 'WHILE',
    options: optionsTable('WhileOptions', [
        field('cond_subgraph_index', 'int'),
        field('body_subgraph_index', 'int'),
    ]),
    version: always1,
    subgraphFields: ['cond_subgraph_index', 'body_subgraph_index'],
});
//# sourceMappingURL=WHILE.js.map
;// CONCATENATED MODULE: ./lib/tflite/ops/index.js








































































/**
 * The TFLite builtins this project reads, writes, quantizes and runs: one file each, listed once here.
 * Every other table about builtins (option tables, versions, spec checks, quantizer rules, kernels) is
 * derived from this one.
 */
const TFLITE_BUILTINS = registry([
    ABS,
    ADD,
    ARG_MAX,
    ARG_MIN,
    AVERAGE_POOL_2D,
    BATCH_MATMUL,
    BROADCAST_TO,
    CALL_ONCE,
    CAST,
    CONCATENATION,
    CONV_2D,
    CUSTOM,
    DEPTHWISE_CONV_2D,
    DEPTH_TO_SPACE,
    DEQUANTIZE,
    DIV,
    EQUAL,
    EXP,
    EXPAND_DIMS,
    FULLY_CONNECTED,
    GATHER,
    GELU,
    GREATER,
    GREATER_EQUAL,
    HARD_SWISH,
    IF,
    LEAKY_RELU,
    LESS,
    LESS_EQUAL,
    LOG,
    LOGICAL_AND,
    LOGICAL_NOT,
    LOGICAL_OR,
    LOGISTIC,
    MAX_POOL_2D,
    MAXIMUM,
    MEAN,
    MINIMUM,
    MIRROR_PAD,
    MUL,
    NEG,
    NOT_EQUAL,
    PAD,
    POW,
    PRELU,
    QUANTIZE,
    REDUCE_MAX,
    REDUCE_MIN,
    REDUCE_PROD,
    RELU,
    RELU6,
    RESHAPE,
    RESIZE_BILINEAR,
    RESIZE_NEAREST_NEIGHBOR,
    RSQRT,
    SELECT_V2,
    SLICE,
    SOFTMAX,
    SPACE_TO_DEPTH,
    SPLIT,
    SQRT,
    SQUEEZE,
    STRIDED_SLICE,
    SUB,
    SUM,
    TANH,
    TILE,
    TRANSPOSE,
    TRANSPOSE_CONV,
    WHILE,
]);
function registry(all) {
    const table = new Map();
    for (const b of all) {
        if (table.has(b.name))
            throw new Error(`TFLite builtins: ${b.name} is registered twice`);
        table.set(b.name, b);
    }
    return table;
}
/** The builtin's descriptor, or undefined for one this project does not know. */
const ops_builtinOf = (name) => TFLITE_BUILTINS.get(name);
/** The int8 rule of a node's builtin (nodes outside domain 'tflite' have none). */
function int8RuleOf(node) {
    return node.domain === 'tflite' ? TFLITE_BUILTINS.get(node.opType)?.int8 : undefined;
}
/** The integer executor's kernels by builtin name. */
const INTEGER_KERNELS = new Map([...TFLITE_BUILTINS.values()].flatMap((b) => (b.kernel ? [[b.name, b.kernel]] : [])));
/** Every options table by its union type id; a table two builtins share must be the same table. */
const OPTIONS_TABLES = (() => {
    const tables = new Map(EMPTY_TABLES.map((t) => [t.typeId, t]));
    for (const b of TFLITE_BUILTINS.values()) {
        if (!b.options)
            continue;
        const seen = tables.get(b.options.typeId);
        if (seen && JSON.stringify(seen) !== JSON.stringify(b.options))
            throw new Error(`TFLite builtins: ${b.name} declares ${b.options.name} with other fields`);
        tables.set(b.options.typeId, b.options);
    }
    return tables;
})();
/** The output parameters the spec fixes, by builtin (LOGISTIC, SOFTMAX, TANH). */
const FIXED_OUTPUTS = new Map([...TFLITE_BUILTINS.values()].flatMap((b) => b.int8 && typeof b.int8.output === 'object' ? [[b.name, b.int8.output]] : []));
/** The builtins this project reads into its IR and writes back. */
const ops_SUPPORTED_BUILTINS = [...TFLITE_BUILTINS.keys()];
/** The field list of a `BuiltinOptions` union member, or undefined for tables this project does not know. */
const ops_optionsSpec = (typeId) => OPTIONS_TABLES.get(typeId);
/** Builtins through which a model's result passes unchanged in meaning (see `keepsExtremes`). */
const RESULT_PATH_BUILTINS = new Set([...TFLITE_BUILTINS.values()].filter((b) => b.keepsExtremes).map((b) => b.name));
/** The option fields that name subgraphs, by control-flow builtin (WHILE, IF, CALL_ONCE). */
const subgraphFieldsOf = (name) => TFLITE_BUILTINS.get(name)?.subgraphFields;
//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/subgraphs.js
/**
 * Models with several subgraphs (control flow: WHILE, IF, CALL_ONCE). The first subgraph is the model
 * the project reads into its IR and quantizes; the others are carried through as TFLite data and stay
 * float. Before any of it reaches a runtime, the references between subgraphs are checked: an index out
 * of range, a subgraph calling itself, or a call whose operand counts differ from the callee's makes
 * LiteRT refuse the file or, worse, recurse until its WASM stack overflows.
 */



const opNameOf = (m, op) => BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex].builtinCode] ?? 'UNKNOWN';
/** Subgraphs 1..n as self-contained data. Every op must have options this project can write back. */
function keepSubgraphs(m, file) {
    return m.subgraphs.slice(1).map((sg, k) => {
        sg.operators.forEach((op, o) => {
            if (op.builtinOptionsType && !ops_optionsSpec(op.builtinOptionsType)) {
                const table = schema_BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
                throw new errors_ModelFormatError(file, `subgraph ${k + 1} ('${sg.name}') operator ${o} (${opNameOf(m, op)}) has options (${table}) this tool cannot write back; only the first subgraph may use them`);
            }
        });
        return keptSubgraph(m, sg);
    });
}
/** One subgraph of `m` as self-contained data: constant bytes and operator codes inline. */
function keptSubgraph(m, sg) {
    return {
        name: sg.name,
        tensors: sg.tensors.map(({ buffer, ...t }) => {
            const data = m.buffers[buffer]?.data;
            return data ? { ...t, data } : t;
        }),
        inputs: [...sg.inputs],
        outputs: [...sg.outputs],
        operators: sg.operators.map(({ opcodeIndex, ...op }) => ({
            ...op,
            code: m.operatorCodes[opcodeIndex],
        })),
    };
}
/** Kept subgraphs back to TFLite tables, storing their data and operator codes with the writer's own. */
function subgraphs_restoreSubgraphs(kept, storeBuffer, codeIndex) {
    return kept.map((sg) => ({
        name: sg.name,
        tensors: sg.tensors.map(({ data, ...t }) => ({ ...t, buffer: data?.length ? storeBuffer(data) : 0 })),
        inputs: [...sg.inputs],
        outputs: [...sg.outputs],
        operators: sg.operators.map(({ code, ...op }) => ({ ...op, opcodeIndex: codeIndex(code) })),
    }));
}
/**
 * Control-flow references, as LiteRT's kernels expect them: each named subgraph exists, is not the
 * main one, is not reached again from itself, and takes and gives as many tensors as the call passes.
 */
function checkSubgraphCalls(m, fail) {
    const calls = m.subgraphs.map(() => []);
    m.subgraphs.forEach((sg, s) => sg.operators.forEach((op, o) => {
        const name = opNameOf(m, op);
        const fields = subgraphFieldsOf(name);
        if (!fields)
            return;
        const where = `subgraphs[${s}].operators[${o}] (${name})`;
        for (const field of fields) {
            const target = op.builtinOptions[field];
            if (typeof target !== 'number' || !(target >= 1 && target < m.subgraphs.length))
                fail(`${where}: ${field} ${String(target)} names no subgraph (1..${m.subgraphs.length - 1})`);
            checkArity(name, field, op, m.subgraphs[target], where, fail);
            calls[s].push(target);
        }
    }));
    const state = new Uint8Array(m.subgraphs.length); // 0 unvisited, 1 on the path, 2 done
    const visit = (s) => {
        if (state[s] === 2)
            return;
        if (state[s] === 1)
            fail(`subgraph ${s} calls itself (through control flow); recursion is not allowed`);
        state[s] = 1;
        calls[s].forEach(visit);
        state[s] = 2;
    };
    m.subgraphs.forEach((_, s) => visit(s));
}
function checkArity(name, field, op, callee, where, fail) {
    const nIn = op.inputs.length;
    const nOut = op.outputs.length;
    // WHILE: cond(vars) -> bool, body(vars) -> vars; IF: branch(inputs minus the condition) -> outputs.
    const expected = {
        cond_subgraph_index: [nIn, 1],
        body_subgraph_index: [nIn, nIn],
        then_subgraph_index: [nIn - 1, nOut],
        else_subgraph_index: [nIn - 1, nOut],
        init_subgraph_index: [0, 0],
    };
    const [ins, outs] = expected[field];
    if (name === 'WHILE' && nIn !== nOut)
        fail(`${where}: ${nIn} inputs but ${nOut} outputs`);
    if (callee.inputs.length !== ins || callee.outputs.length !== outs)
        fail(`${where}: ${field} names subgraph '${callee.name}' with ${callee.inputs.length} inputs and ${callee.outputs.length} outputs, expected ${ins} and ${outs}`);
}
//# sourceMappingURL=subgraphs.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/scheme-entry.js
/**
 * The quantization scheme as a TFLite metadata entry. TFLite's QuantizationParameters say how to read a
 * tensor's integers, not what arithmetic the target runs between them: the pow2 scheme's bias width and
 * shift rounding have no field. The entry carries them, so the integer executor reads a file's scheme
 * instead of guessing it from the numbers. Runtimes ignore metadata entries they do not know.
 */

const scheme_entry_SCHEME_ENTRY = 'model_quant_scheme';
/** The entry's bytes: JSON with the flags' names, `{"scheme":"pow2","bias_mode":"B16","rounding":"floor"}`. */
function scheme_entry_schemeEntryData(q) {
    const json = q.scheme === 'pow2'
        ? { scheme: q.scheme, bias_mode: q.biasMode, rounding: q.rounding }
        : { scheme: q.scheme };
    return new TextEncoder().encode(JSON.stringify(json));
}
/** The scheme a file's entry names; undefined for a file without the entry (one made elsewhere). */
function readSchemeEntry(model, file) {
    const entry = model.metadata.find((m) => m.name === scheme_entry_SCHEME_ENTRY);
    if (!entry)
        return undefined;
    const bytes = model.buffers[entry.buffer]?.data ?? new Uint8Array(0);
    const bad = (why) => new errors_ModelFormatError(file, `metadata '${scheme_entry_SCHEME_ENTRY}' ${why}; rewrite the file with model-quant`);
    let v;
    try {
        v = JSON.parse(new TextDecoder().decode(bytes));
    }
    catch {
        throw bad('is not JSON');
    }
    if (v.scheme === 'affine')
        return { scheme: 'affine' };
    if (v.scheme !== 'pow2')
        throw bad(`names scheme ${JSON.stringify(v.scheme)} (pow2 or affine expected)`);
    if (v.bias_mode !== 'B8' && v.bias_mode !== 'B16')
        throw bad(`names bias_mode ${JSON.stringify(v.bias_mode)} (B8 or B16 expected)`);
    if (v.rounding !== 'floor' && v.rounding !== 'nearest')
        throw bad(`names rounding ${JSON.stringify(v.rounding)} (floor or nearest expected)`);
    return { scheme: 'pow2', biasMode: v.bias_mode, rounding: v.rounding };
}
//# sourceMappingURL=scheme-entry.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/versions.js

/**
 * The version TFLite requires for an op with this signature: each builtin's rule is in its file under
 * src/tflite/ops/; builtins the project does not know are version 1, as TFLite's default.
 */
function versions_opVersion(opName, sig) {
    return builtinOf(opName)?.version(sig) ?? 1;
}
//# sourceMappingURL=versions.js.map
// EXTERNAL MODULE: ./node_modules/flatbuffers/js/flatbuffers.js
var flatbuffers = __nccwpck_require__(558);
;// CONCATENATED MODULE: ./lib/formats/tflite/write.js
/**
 * Writes a TfliteModel as a schema-3 flatbuffer with identifier "TFL3". Buffer data is 16-byte aligned
 * (`force_align: 16`); operator codes carry both `builtin_code` and `deprecated_builtin_code`.
 * With `externalBuffers`, constant data goes after the flatbuffer and Buffer.offset/size point at it
 * (schema 3c, the layout of models over 2 GiB).
 */



function write_writeTflite(model, options = {}) {
    const share = options.shareEqualVectors ?? false;
    if (!options.externalBuffers)
        return build(model, undefined, share);
    // Two passes: offsets are fixed-width fields, so a placeholder gives the flatbuffer's final size.
    const placeholder = new Map(dataBuffers(model).map((i) => [i, 2n]));
    const size = build(model, placeholder, share).length;
    const placement = new Map();
    let end = size;
    for (const i of dataBuffers(model)) {
        const at = align(end);
        placement.set(i, BigInt(at));
        end = at + model.buffers[i].data.length;
    }
    const flatbuffer = build(model, placement, share);
    if (flatbuffer.length !== size)
        throw new Error('writeTflite: flatbuffer size changed between passes');
    const file = new Uint8Array(align(end));
    file.set(flatbuffer);
    for (const [i, at] of placement)
        file.set(model.buffers[i].data, Number(at));
    return file;
}
const align = (n) => Math.ceil(n / BUFFER_ALIGNMENT) * BUFFER_ALIGNMENT;
function dataBuffers(model) {
    return model.buffers.flatMap((b, i) => (b.data?.length ? [i] : []));
}
function build(model, external, share) {
    const dataBytes = model.buffers.reduce((n, buf) => n + (buf.data?.length ?? 0), 0);
    const b = new Builder(external ? 1 << 16 : dataBytes + (1 << 16));
    if (share)
        sharingVectors.add(b);
    // Data first: built back to front, so it ends up at the end of the file.
    const buffers = model.buffers.map((buf, i) => writeBuffer(b, buf, external?.get(i)));
    const S = SLOT.Model;
    const fields = {
        buffers: offsets(b, buffers),
        operatorCodes: offsets(b, model.operatorCodes.map((c) => writeOperatorCode(b, c))),
        subgraphs: offsets(b, model.subgraphs.map((sg) => writeSubgraph(b, sg))),
        description: b.createString(model.description),
        metadata: offsets(b, model.metadata.map((m) => writeMetadata(b, m))),
        signatureDefs: offsets(b, model.signatureDefs.map((sd) => writeSignature(b, sd))),
        metadataBuffer: model.metadataBuffer ? int32Vector(b, model.metadataBuffer) : 0,
    };
    b.startObject(SLOT_COUNT.Model);
    b.addFieldInt32(S.version, SCHEMA_VERSION, 0);
    b.addFieldOffset(S.operatorCodes, fields.operatorCodes, 0);
    b.addFieldOffset(S.subgraphs, fields.subgraphs, 0);
    b.addFieldOffset(S.description, fields.description, 0);
    b.addFieldOffset(S.buffers, fields.buffers, 0);
    b.addFieldOffset(S.metadataBuffer, fields.metadataBuffer, 0);
    b.addFieldOffset(S.metadata, fields.metadata, 0);
    b.addFieldOffset(S.signatureDefs, fields.signatureDefs, 0);
    b.finish(b.endObject(), FILE_IDENTIFIER);
    return b.asUint8Array();
}
/** A table whose offset fields are given as [slot, offset] pairs and whose scalars `scalars` adds. */
function table(b, slots, refs, scalars = () => { }) {
    b.startObject(slots);
    for (const [slot, offset] of refs)
        b.addFieldOffset(slot, offset, 0);
    scalars();
    return b.endObject();
}
function writeBuffer(b, buf, externalAt) {
    const S = SLOT.Buffer;
    const size = buf.data?.length ?? 0;
    if (externalAt !== undefined && size > 0) {
        return table(b, SLOT_COUNT.Buffer, [], () => {
            b.addFieldInt64(S.offset, externalAt, 0n);
            b.addFieldInt64(S.size, BigInt(size), 0n);
        });
    }
    let data = 0;
    if (buf.data && size > 0) {
        b.prep(BUFFER_ALIGNMENT, size); // the vector's first byte lands on a 16-byte boundary
        data = b.createByteVector(buf.data);
    }
    return table(b, SLOT_COUNT.Buffer, data ? [[S.data, data]] : []);
}
function writeOperatorCode(b, c) {
    const S = SLOT.OperatorCode;
    const custom = c.customCode !== undefined ? b.createString(c.customCode) : 0;
    return table(b, SLOT_COUNT.OperatorCode, custom ? [[S.customCode, custom]] : [], () => {
        b.addFieldInt8(S.deprecatedBuiltinCode, Math.min(c.builtinCode, PLACEHOLDER_FOR_GREATER_OP_CODES), 0);
        b.addFieldInt32(S.version, c.version, 1);
        b.addFieldInt32(S.builtinCode, c.builtinCode, 0);
    });
}
function writeSubgraph(b, sg) {
    const S = SLOT.SubGraph;
    return table(b, SLOT_COUNT.SubGraph, [
        [
            S.tensors,
            offsets(b, sg.tensors.map((t) => writeTensor(b, t))),
        ],
        [S.inputs, int32Vector(b, sg.inputs)],
        [S.outputs, int32Vector(b, sg.outputs)],
        [
            S.operators,
            offsets(b, sg.operators.map((op) => writeOperator(b, op))),
        ],
        [S.name, b.createString(sg.name)],
    ]);
}
function writeTensor(b, t) {
    const S = SLOT.Tensor;
    const refs = [
        [S.shape, int32Vector(b, t.shape)],
        [S.name, b.createString(t.name)],
    ];
    if (t.quantization)
        refs.push([S.quantization, writeQuantization(b, t.quantization)]);
    if (t.shapeSignature)
        refs.push([S.shapeSignature, int32Vector(b, t.shapeSignature)]);
    return table(b, SLOT_COUNT.Tensor, refs, () => {
        b.addFieldInt8(S.type, TensorType[t.type], 0);
        b.addFieldInt32(S.buffer, t.buffer, 0);
        b.addFieldInt8(S.isVariable, t.isVariable ? 1 : 0, 0);
        b.addFieldInt8(S.hasRank, t.hasRank ? 1 : 0, 0);
    });
}
/**
 * Quantization vectors with equal contents are written once and shared (flatbuffers allows any number of
 * references to one vector): per-channel zero points, all zeros, would otherwise cost 8 bytes per channel
 * per weight and bias tensor.
 */
const sharedVectors = new WeakMap();
function shared(b, key, make) {
    let cache = sharedVectors.get(b);
    if (!cache)
        sharedVectors.set(b, (cache = new Map()));
    let offset = cache.get(key);
    if (offset === undefined)
        cache.set(key, (offset = make()));
    return offset;
}
/**
 * Tensors with equal quantization parameters (pow2 activations share a handful of scales) point at one
 * QuantizationParameters table.
 */
function writeQuantization(b, q) {
    const key = `q${q.quantizedDimension}|${q.min?.join(',')}|${q.max?.join(',')}|${q.scale?.join(',')}|${q.zeroPoint?.join(',')}`;
    return shared(b, key, () => quantizationTable(b, q));
}
function quantizationTable(b, q) {
    const S = SLOT.QuantizationParameters;
    const refs = [];
    if (q.min)
        refs.push([S.min, float32Vector(b, q.min)]);
    if (q.max)
        refs.push([S.max, float32Vector(b, q.max)]);
    const { scale, zeroPoint } = q;
    if (scale)
        refs.push([S.scale, shared(b, `s${scale.join(',')}`, () => float32Vector(b, scale))]);
    if (zeroPoint)
        refs.push([S.zeroPoint, shared(b, `z${zeroPoint.join(',')}`, () => int64Vector(b, zeroPoint))]);
    return table(b, SLOT_COUNT.QuantizationParameters, refs, () => b.addFieldInt32(S.quantizedDimension, q.quantizedDimension, 0));
}
function writeOperator(b, op) {
    const S = SLOT.Operator;
    const refs = [
        [S.inputs, int32Vector(b, op.inputs)],
        [S.outputs, int32Vector(b, op.outputs)],
    ];
    if (op.builtinOptionsType)
        refs.push([S.builtinOptions, writeOptions(b, op)]);
    if (op.customOptions)
        refs.push([S.customOptions, b.createByteVector(op.customOptions)]);
    if (op.mutatingVariableInputs) {
        refs.push([
            S.mutatingVariableInputs,
            vector(b, 1, op.mutatingVariableInputs, (v) => b.addInt8(v ? 1 : 0)),
        ]);
    }
    if (op.intermediates)
        refs.push([S.intermediates, int32Vector(b, op.intermediates)]);
    return table(b, SLOT_COUNT.Operator, refs, () => {
        b.addFieldInt32(S.opcodeIndex, op.opcodeIndex, 0);
        b.addFieldInt8(S.builtinOptionsType, op.builtinOptionsType, 0);
    });
}
function writeOptions(b, op) {
    const spec = optionsSpec(op.builtinOptionsType);
    if (!spec) {
        const name = BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
        throw new Error(`writeTflite: builtin options table ${name} is not supported`);
    }
    const known = new Set(spec.fields.filter((f) => !f.deprecated).map((f) => f.name));
    const unknown = Object.keys(op.builtinOptions).filter((k) => !known.has(k));
    if (unknown.length)
        throw new Error(`writeTflite: ${spec.name} has no field ${unknown.join(', ')}`);
    const vectors = spec.fields.map((f) => {
        const v = op.builtinOptions[f.name];
        return f.type === 'int[]' && Array.isArray(v) ? int32Vector(b, v) : 0;
    });
    b.startObject(spec.fields.length);
    spec.fields.forEach((field, slot) => {
        const value = op.builtinOptions[field.name];
        if (value !== undefined && !field.deprecated)
            addField(b, slot, field, value, vectors[slot]);
    });
    return b.endObject();
}
function addField(b, slot, field, value, vec) {
    const bad = () => {
        throw new TypeError(`writeTflite: option ${field.name} must be ${field.type}, got ${JSON.stringify(value)}`);
    };
    switch (field.type) {
        case 'bool':
            if (typeof value !== 'boolean')
                bad();
            return b.addFieldInt8(slot, value ? 1 : 0, field.default ? 1 : 0);
        case 'byte':
            if (typeof value !== 'number')
                bad();
            return b.addFieldInt8(slot, value, field.default);
        case 'int':
            if (typeof value !== 'number')
                bad();
            return b.addFieldInt32(slot, value, field.default);
        case 'float':
            if (typeof value !== 'number')
                bad();
            return b.addFieldFloat32(slot, value, field.default);
        case 'int[]':
            if (!Array.isArray(value))
                bad();
            return b.addFieldOffset(slot, vec, 0);
    }
}
function writeMetadata(b, m) {
    const name = b.createString(m.name);
    return table(b, SLOT_COUNT.Metadata, [[SLOT.Metadata.name, name]], () => b.addFieldInt32(SLOT.Metadata.buffer, m.buffer, 0));
}
function writeSignature(b, sd) {
    const S = SLOT.SignatureDef;
    const maps = (list) => offsets(b, list.map((m) => table(b, SLOT_COUNT.TensorMap, [[SLOT.TensorMap.name, b.createString(m.name)]], () => b.addFieldInt32(SLOT.TensorMap.tensorIndex, m.tensorIndex, 0))));
    const inputs = maps(sd.inputs);
    const outputs = maps(sd.outputs);
    const key = b.createString(sd.signatureKey);
    return table(b, SLOT_COUNT.SignatureDef, [
        [S.inputs, inputs],
        [S.outputs, outputs],
        [S.signatureKey, key],
    ], () => b.addFieldInt32(S.subgraphIndex, sd.subgraphIndex, 0));
}
function vector(b, size, items, add) {
    b.startVector(size, items.length, size);
    for (let i = items.length - 1; i >= 0; i--)
        add(items[i]);
    return b.endVector();
}
/** Builders that write equal int32 vectors once (WriteOptions.shareEqualVectors). */
const sharingVectors = new WeakSet();
const int32Vector = (b, v) => {
    const make = () => vector(b, 4, v, (x) => b.addInt32(x));
    return sharingVectors.has(b) ? shared(b, `i${v.join(',')}`, make) : make();
};
const float32Vector = (b, v) => vector(b, 4, v, (x) => b.addFloat32(x));
const int64Vector = (b, v) => vector(b, 8, v, (x) => b.addInt64(BigInt(x)));
const offsets = (b, v) => vector(b, 4, v, (x) => b.addOffset(x));
//# sourceMappingURL=write.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/export.js
/**
 * IR → TFLite. The graph must already speak TFLite: every node of domain 'tflite' (the importer's nodes,
 * or what a lowering pass produced). Tensors are numbered in order of first use, constants get one
 * buffer each (shared when two constants view the same bytes, and with `shareEqualConstants` also when
 * they hold the same bytes and are small: reduction axes, paddings, permutations), and each operator gets
 * the version
 * TFLite's versioning rules require, never lower than the version it was read with.
 */








/** The model as .tflite bytes. */
function export_exportTflite(model, options = {}) {
    return writeTflite(irToTflite(model, options), options);
}
function irToTflite(model, options = {}) {
    const g = model.graph;
    for (const node of g.nodes)
        checkNode(node);
    const ctx = {
        g,
        tensors: [],
        index: new Map(),
        buffers: [{}],
        stored: new Map(),
        small: options.shareEqualConstants ? new Map() : undefined,
        types: typesOf(g),
    };
    const inputs = g.inputs.map((v) => tensorIndex(ctx, v.name));
    const codes = [];
    const operators = g.nodes.map((node) => operatorOf(ctx, node, codes));
    const outputs = g.outputs.map((v) => tensorIndex(ctx, v.name));
    const extra = model.extra?.tflite;
    const kept = restoreSubgraphs(extra?.subgraphs ?? [], (data) => storeBuffer(ctx, data), (code) => codeIndex(codes, code));
    const metadataIndex = (data) => storeBuffer(ctx, data);
    const metadata = [
        ...(extra?.metadata ?? []).filter((m) => m.name !== SCHEME_ENTRY),
        ...(model.quantScheme ? [{ name: SCHEME_ENTRY, data: schemeEntryData(model.quantScheme) }] : []),
    ];
    return {
        version: SCHEMA_VERSION,
        description: model.doc ?? '',
        operatorCodes: codes,
        subgraphs: [{ name: g.name, tensors: ctx.tensors, inputs, outputs, operators }, ...kept],
        buffers: ctx.buffers,
        metadata: metadata.map((m) => ({ name: m.name, buffer: metadataIndex(m.data) })),
        ...(extra?.metadataBuffers.length ? { metadataBuffer: extra.metadataBuffers.map(metadataIndex) } : {}),
        signatureDefs: (extra?.signatureDefs ?? []).map((s) => ({
            signatureKey: s.signatureKey,
            subgraphIndex: 0,
            inputs: s.inputs.map((m) => ({ name: m.name, tensorIndex: tensorIndex(ctx, m.value) })),
            outputs: s.outputs.map((m) => ({ name: m.name, tensorIndex: tensorIndex(ctx, m.value) })),
        })),
    };
}
function checkNode(node) {
    if (node.domain !== 'tflite' || !SUPPORTED_BUILTINS.includes(node.opType)) {
        const op = node.domain && node.domain !== 'tflite' ? `${node.domain}.${node.opType}` : node.opType;
        throw new UnsupportedOpError(node.name, op, SUPPORTED_BUILTINS, 'in TFLite export');
    }
}
function typesOf(g) {
    const types = new Map();
    for (const v of [...g.valueInfo.values(), ...g.inputs, ...g.outputs])
        types.set(v.name, v.type);
    return types;
}
function extrasOf(g, name) {
    return (g.initializers.get(name)?.extra ??
        g.valueInfo.get(name)?.extra ??
        g.inputs.find((v) => v.name === name)?.extra ??
        g.outputs.find((v) => v.name === name)?.extra);
}
/** The tensor index of a value, creating the tensor on first use. */
function tensorIndex(ctx, name) {
    if (name === '')
        return -1;
    const known = ctx.index.get(name);
    if (known !== undefined)
        return known;
    const constant = ctx.g.initializers.get(name);
    const tensor = constant ? constantTensor(ctx, name, constant) : valueTensor(ctx, name);
    applyExtras(tensor, extrasOf(ctx.g, name));
    const q = ctx.g.quantOf(name);
    if (q)
        tensor.quantization = quantizationOf(q);
    ctx.tensors.push(tensor);
    ctx.index.set(name, ctx.tensors.length - 1);
    return ctx.tensors.length - 1;
}
function tfliteType(name, dtype) {
    const type = TFLITE_TYPE_OF[dtype];
    if (!type)
        throw new Error(`TFLite export: value '${name}' is ${dtype}, which TFLite cannot store`);
    return type;
}
function constantTensor(ctx, name, t) {
    return {
        name,
        shape: [...t.dims],
        type: tfliteType(name, t.dtype),
        buffer: t.size > 0 ? storeBuffer(ctx, t.bytes(), ctx.small) : 0,
        isVariable: false,
        hasRank: false,
    };
}
/** TFLite writes 1 in `shape` and -1 in `shape_signature` for a dimension unknown until run time. */
function valueTensor(ctx, name) {
    const type = ctx.types.get(name);
    // A .tflite input whose tensor the import could not type (a damaged shape signature) ends here; the
    // pipeline names the input file (UnknownTensorTypeError is a format error of that file, not a bug).
    if (type?.kind !== 'tensor')
        throw new UnknownTensorTypeError(name);
    const dims = type.shape ?? [];
    const tensor = {
        name,
        shape: dims.map((d) => (typeof d === 'number' ? d : 1)),
        type: tfliteType(name, type.dtype),
        buffer: 0,
        isVariable: false,
        hasRank: false,
    };
    if (dims.some((d) => typeof d !== 'number'))
        tensor.shapeSignature = dims.map((d) => (typeof d === 'number' ? d : -1));
    return tensor;
}
function applyExtras(tensor, extra) {
    const tfl = extra?.tflite;
    if (tfl?.name !== undefined)
        tensor.name = tfl.name;
    if (tfl?.hasRank)
        tensor.hasRank = true;
    if (tfl?.isVariable)
        tensor.isVariable = true;
    if (tfl?.shapeSignature && !tensor.shapeSignature)
        tensor.shapeSignature = [...tensor.shape];
}
/** The IR's parameters as TFLite's QuantizationParameters (scales are written as float32). */
function quantizationOf(q) {
    return {
        scale: Array.from(q.scale),
        zeroPoint: Array.from(q.zeroPoint),
        quantizedDimension: q.axis ?? 0,
        ...(q.min ? { min: q.min } : {}),
        ...(q.max ? { max: q.max } : {}),
    };
}
/** Constants of at most this many bytes share a buffer with any other constant of the same bytes. */
const SHARED_BUFFER_BYTES = 256;
function storeBuffer(ctx, data, byContent) {
    let byRange = ctx.stored.get(data.buffer);
    if (!byRange)
        ctx.stored.set(data.buffer, (byRange = new Map()));
    const key = `${data.byteOffset}:${data.byteLength}`;
    const known = byRange.get(key);
    if (known !== undefined)
        return known;
    const content = byContent && data.length > 0 && data.length <= SHARED_BUFFER_BYTES
        ? Buffer.from(data).toString('latin1')
        : undefined;
    const same = content === undefined ? undefined : byContent.get(content);
    if (same !== undefined) {
        byRange.set(key, same);
        return same;
    }
    ctx.buffers.push(data.length ? { data } : {});
    byRange.set(key, ctx.buffers.length - 1);
    if (content !== undefined)
        byContent.set(content, ctx.buffers.length - 1);
    return ctx.buffers.length - 1;
}
function operatorOf(ctx, node, codes) {
    const inputs = node.inputs.map((name) => tensorIndex(ctx, name));
    const outputs = node.outputs.map((name) => tensorIndex(ctx, name));
    const custom = node.opType === 'CUSTOM';
    const options = custom ? {} : optionValues(node);
    const sig = (i) => signatureOf(i < 0 ? undefined : ctx.tensors[i]);
    const computed = opVersion(node.opType, { inputs: inputs.map(sig), outputs: outputs.map(sig), options });
    const read = node.extra?.tflite?.version ?? 1;
    const code = {
        builtinCode: BuiltinOperator[node.opType],
        deprecatedBuiltinCode: Math.min(BuiltinOperator[node.opType], PLACEHOLDER_FOR_GREATER_OP_CODES),
        version: Math.max(computed, read),
    };
    if (custom)
        code.customCode = stringAttr(node, 'custom_code');
    const op = {
        opcodeIndex: codeIndex(codes, code),
        inputs,
        outputs,
        builtinOptionsType: Object.keys(options).length ? (builtinOf(node.opType)?.options?.typeId ?? 0) : 0,
        builtinOptions: options,
    };
    const customOptions = node.attrs.custom_options;
    if (custom && customOptions?.kind === 'tensor')
        op.customOptions = customOptions.value.bytes();
    return op;
}
function codeIndex(codes, code) {
    const same = (c) => c.builtinCode === code.builtinCode && c.customCode === code.customCode && c.version === code.version;
    const found = codes.findIndex(same);
    if (found >= 0)
        return found;
    codes.push(code);
    return codes.length - 1;
}
function stringAttr(node, name) {
    const a = node.attrs[name];
    if (a?.kind !== 'string')
        throw new Error(`TFLite export: node '${node.name}' has no string attribute ${name}`);
    return a.value;
}
/** Attributes back to option values, by the field types of the op's options table. */
function optionValues(node) {
    const spec = builtinOf(node.opType)?.options;
    const values = {};
    for (const field of spec?.fields ?? []) {
        const a = node.attrs[field.name];
        if (!a || field.deprecated)
            continue;
        if (a.kind === 'ints')
            values[field.name] = [...a.value];
        else if (a.kind === 'int' || a.kind === 'float')
            values[field.name] = field.type === 'bool' ? a.value !== 0 : a.value;
        else
            throw new Error(`TFLite export: attribute ${field.name} of node '${node.name}' is a ${a.kind}`);
    }
    const unknown = Object.keys(node.attrs).filter((k) => !spec?.fields.some((f) => f.name === k));
    if (unknown.length) {
        throw new Error(`TFLite export: node '${node.name}' (${node.opType}) has attributes TFLite has no field for: ${unknown.join(', ')}`);
    }
    return values;
}
function signatureOf(t) {
    if (!t)
        return { shape: [], scales: 0 };
    const scales = t.quantization?.scale ?? [];
    return {
        type: t.type,
        shape: t.shapeSignature ?? t.shape,
        scales: scales.length,
        scale: scales.length === 1 ? scales[0] : undefined,
    };
}
/** A value the exporter cannot write: the graph never gave it a tensor type. */
class UnknownTensorTypeError extends Error {
    value;
    constructor(value) {
        super(`TFLite export: value '${value}' has no known tensor type`);
        this.value = value;
        this.name = 'UnknownTensorTypeError';
    }
}
//# sourceMappingURL=export.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/checked-reader.js
/**
 * Bounds-checked flatbuffer access. The `flatbuffers` ByteBuffer reads whatever an offset says (past the
 * end it yields undefined or garbage), so every table, field, vector and string is validated here against
 * the buffer before it is read, and every failure becomes a ModelFormatError naming the file.
 * A work budget stops files whose offsets make many vectors share one large region (a quadratic "bomb").
 */


const UTF8 = new TextDecoder('utf-8');
class CheckedReader {
    bytes;
    file;
    bb;
    budget;
    constructor(bytes, file) {
        this.bytes = bytes;
        this.file = file;
        this.bb = new flatbuffers/* ByteBuffer */.$F(bytes);
        this.budget = 8 * bytes.length + 4096;
    }
    fail(message) {
        throw new errors_ModelFormatError(this.file, message);
    }
    /** Charges `n` units of decoding work; legal files spend at most a few per byte. */
    spend(n, what) {
        this.budget -= n;
        if (this.budget < 0)
            this.fail(`${what}: the file's offsets overlap too much to be a valid model`);
    }
    check(pos, size, what) {
        if (!(pos >= 0 && size >= 0 && pos + size <= this.bytes.length)) {
            this.fail(`${what} lies outside the file (offset ${pos}, ${size} bytes, file is ${this.bytes.length})`);
        }
    }
    u32(pos, what) {
        this.check(pos, 4, what);
        return this.bb.readUint32(pos);
    }
    /** The table at `pos`, after checking its vtable. */
    table(pos, what) {
        this.check(pos, 4, what);
        const vtable = pos - this.bb.readInt32(pos);
        this.check(vtable, 4, `${what} vtable`);
        const vtableSize = this.bb.readUint16(vtable);
        const tableSize = this.bb.readUint16(vtable + 2);
        if (vtableSize < 4 || vtableSize % 2 !== 0)
            this.fail(`${what}: malformed vtable`);
        this.check(vtable, vtableSize, `${what} vtable`);
        this.check(pos, Math.max(tableSize, 4), what);
        this.spend(vtableSize / 2, what);
        return { pos, vtable, vtableSize, tableSize };
    }
    /** Absolute position of a field of `size` bytes, or 0 when absent. */
    field(t, slot, size, what) {
        const entry = 4 + 2 * slot;
        if (entry + 2 > t.vtableSize)
            return 0;
        const offset = this.bb.readUint16(t.vtable + entry);
        if (offset === 0)
            return 0;
        if (offset < 4 || offset + size > t.tableSize)
            this.fail(`${what}: field lies outside its table`);
        return t.pos + offset;
    }
    int8(t, slot, def, what) {
        const p = this.field(t, slot, 1, what);
        return p ? this.bb.readInt8(p) : def;
    }
    uint8(t, slot, def, what) {
        const p = this.field(t, slot, 1, what);
        return p ? this.bb.readUint8(p) : def;
    }
    bool(t, slot, def, what) {
        const p = this.field(t, slot, 1, what);
        return p ? this.bb.readUint8(p) !== 0 : def;
    }
    int32(t, slot, def, what) {
        const p = this.field(t, slot, 4, what);
        return p ? this.bb.readInt32(p) : def;
    }
    uint32(t, slot, def, what) {
        const p = this.field(t, slot, 4, what);
        return p ? this.bb.readUint32(p) : def;
    }
    float32(t, slot, def, what) {
        const p = this.field(t, slot, 4, what);
        return p ? this.bb.readFloat32(p) : def;
    }
    uint64(t, slot, what) {
        const p = this.field(t, slot, 8, what);
        return p ? this.bb.readUint64(p) : 0n;
    }
    /** Follows an offset field (uoffset, always forward) to its target, or 0 when absent. */
    ref(t, slot, what) {
        const p = this.field(t, slot, 4, what);
        if (!p)
            return 0;
        const target = p + this.bb.readUint32(p);
        this.check(target, 4, what);
        return target;
    }
    vectorAt(pos, elementSize, what) {
        const length = this.u32(pos, what);
        this.check(pos + 4, length * elementSize, what);
        this.spend(length, what);
        return { start: pos + 4, length };
    }
    vector(t, slot, elementSize, what) {
        const target = this.ref(t, slot, what);
        return target ? this.vectorAt(target, elementSize, what) : undefined;
    }
    string(t, slot, what) {
        const v = this.vector(t, slot, 1, what);
        return v ? UTF8.decode(this.bytes.subarray(v.start, v.start + v.length)) : undefined;
    }
    bytesOf(t, slot, what) {
        const v = this.vector(t, slot, 1, what);
        return v ? this.bytes.subarray(v.start, v.start + v.length) : undefined;
    }
    int32s(t, slot, what) {
        const v = this.vector(t, slot, 4, what);
        return v && Array.from({ length: v.length }, (_, i) => this.bb.readInt32(v.start + 4 * i));
    }
    float32s(t, slot, what) {
        const v = this.vector(t, slot, 4, what);
        return v && Array.from({ length: v.length }, (_, i) => this.bb.readFloat32(v.start + 4 * i));
    }
    int64s(t, slot, what) {
        const v = this.vector(t, slot, 8, what);
        return v && Array.from({ length: v.length }, (_, i) => this.bb.readInt64(v.start + 8 * i));
    }
    bools(t, slot, what) {
        const v = this.vector(t, slot, 1, what);
        return v && Array.from({ length: v.length }, (_, i) => this.bb.readUint8(v.start + i) !== 0);
    }
    /** A vector of tables, each decoded by `read` (given the table and its index). */
    tables(t, slot, what, read) {
        const v = this.vector(t, slot, 4, what);
        if (!v)
            return [];
        return Array.from({ length: v.length }, (_, i) => {
            const p = v.start + 4 * i;
            return read(this.table(p + this.bb.readUint32(p), `${what}[${i}]`), i);
        });
    }
    /** The sub-table an offset field points to, or undefined when absent. */
    child(t, slot, what) {
        const target = this.ref(t, slot, what);
        return target ? this.table(target, what) : undefined;
    }
}
//# sourceMappingURL=checked-reader.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/shape-check.js

const SAME_AS_INPUT = new Set('RELU RELU6 RELU_N1_TO_1 LOGISTIC TANH HARD_SWISH LEAKY_RELU LOG EXP SQRT RSQRT ABS NEG ELU GELU QUANTIZE DEQUANTIZE SOFTMAX LOG_SOFTMAX'.split(' '));
const BROADCAST = new Set('ADD SUB MUL DIV MAXIMUM MINIMUM SQUARED_DIFFERENCE POW'.split(' '));
function checkOutputShapes(m, fail) {
    m.subgraphs.forEach((sg, s) => sg.operators.forEach((op, o) => {
        const name = BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex].builtinCode] ?? '';
        const shapeOf = (i) => {
            const t = i === undefined || i < 0 ? undefined : sg.tensors[i];
            return t && !t.shapeSignature?.includes(-1) ? t.shape : undefined;
        };
        const declared = shapeOf(op.outputs[0]);
        if (!declared || op.outputs.length !== 1)
            return;
        const computed = outputShape(name, op, shapeOf, shape_check_constantInts(m, sg));
        if (computed && !shape_check_sameShape(computed, declared)) {
            const t = sg.tensors[op.outputs[0]];
            fail(`subgraphs[${s}].operators[${o}] (${name}): output '${t.name}' is declared [${declared}] but the operator computes [${computed}] from its inputs`);
        }
    }));
}
const shape_check_sameShape = (a, b) => a.length === b.length && a.every((d, i) => d === b[i]);
function shape_check_constantInts(m, sg) {
    return (i) => {
        const t = i === undefined || i < 0 ? undefined : sg.tensors[i];
        const data = t && m.buffers[t.buffer]?.data;
        if (!t || !data || t.type !== 'INT32' || data.length % 4)
            return undefined;
        return Array.from({ length: data.length / 4 }, (_, k) => new DataView(data.buffer, data.byteOffset).getInt32(4 * k, true));
    };
}
function outputShape(name, op, shapeOf, ints) {
    const x = shapeOf(op.inputs[0]);
    if (!x)
        return undefined;
    const opt = (k, def = 0) => Number(op.builtinOptions[k] ?? def);
    if (SAME_AS_INPUT.has(name))
        return x;
    if (BROADCAST.has(name)) {
        const y = shapeOf(op.inputs[1]);
        return y && broadcast(x, y);
    }
    if (name === 'CONV_2D' || name === 'DEPTHWISE_CONV_2D') {
        const w = shapeOf(op.inputs[1]);
        if (!w || x.length !== 4 || w.length !== 4)
            return undefined;
        const channels = name === 'CONV_2D' ? w[0] : w[3];
        return spatial(x, w[1], w[2], opt('stride_h'), opt('stride_w'), opt('padding'), op, channels);
    }
    if (name === 'AVERAGE_POOL_2D' || name === 'MAX_POOL_2D') {
        if (x.length !== 4)
            return undefined;
        return spatial(x, opt('filter_height'), opt('filter_width'), opt('stride_h'), opt('stride_w'), opt('padding'), op, x[3]);
    }
    if (name === 'FULLY_CONNECTED' && !op.builtinOptions.keep_num_dims) {
        const w = shapeOf(op.inputs[1]);
        const size = x.reduce((a, b) => a * b, 1);
        if (!w || w.length !== 2 || !w[1] || size % w[1] !== 0)
            return undefined;
        return [size / w[1], w[0]];
    }
    if (name === 'RESIZE_BILINEAR' || name === 'RESIZE_NEAREST_NEIGHBOR') {
        const size = ints(op.inputs[1]);
        return x.length === 4 && size?.length === 2 ? [x[0], size[0], size[1], x[3]] : undefined;
    }
    return undefined;
}
function broadcast(a, b) {
    const n = Math.max(a.length, b.length);
    const out = [];
    for (let i = 0; i < n; i++) {
        const da = a[a.length - n + i] ?? 1;
        const db = b[b.length - n + i] ?? 1;
        if (da !== db && da !== 1 && db !== 1)
            return undefined;
        out.push(da === 1 ? db : da);
    }
    return out;
}
/** NHWC output of a windowed op: TFLite's SAME (ceil(in / stride)) and VALID padding. */
function spatial(x, kh, kw, sh, sw, padding, op, channels) {
    if (!(sh > 0 && sw > 0 && kh > 0 && kw > 0))
        return undefined;
    const dh = Number(op.builtinOptions.dilation_h_factor ?? 1);
    const dw = Number(op.builtinOptions.dilation_w_factor ?? 1);
    const size = (input, k, d, s) => padding === 0 ? Math.ceil(input / s) : Math.ceil((input - ((k - 1) * d + 1) + 1) / s);
    return [x[0], size(x[1], kh, dh, sh), size(x[2], kw, dw, sw), channels];
}
//# sourceMappingURL=shape-check.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/validate.js
/**
 * Checks of what LiteRT trusts without checking (its kernels index tensors by shape and read constant
 * buffers for as many bytes as the shape says): a file that fails one of them would make the runtime read
 * outside its memory or trap, so it is refused here with a ModelFormatError instead.
 */





/** Elements a tensor may hold: LiteRT sizes buffers in int32 bytes, so 2^31 bytes is a hard limit. */
const MAX_BYTES = 2 ** 31 - 1;
function checkTensors(m, fail) {
    m.subgraphs.forEach((sg, s) => {
        sg.tensors.forEach((t, i) => checkTensor(m, t, `subgraphs[${s}].tensors[${i}] '${t.name}'`, fail));
        const produced = new Set();
        sg.operators.forEach((op, o) => {
            if (op.outputs.length === 0 && op.inputs.length === 0)
                return;
            for (const x of op.outputs) {
                if (produced.has(x) || sg.inputs.includes(x))
                    fail(`subgraphs[${s}].operators[${o}]: tensor ${x} is written twice (or is a subgraph input)`);
                if (m.buffers[sg.tensors[x].buffer]?.data)
                    fail(`subgraphs[${s}].operators[${o}]: writes tensor ${x}, which is a constant`);
                produced.add(x);
            }
        });
    });
    checkOutputShapes(m, fail);
}
function checkTensor(m, t, where, fail) {
    if (t.shape.some((d) => !(d >= 0)))
        fail(`${where}: shape [${t.shape}] has a negative dimension`);
    if (t.shapeSignature && t.shapeSignature.length !== t.shape.length)
        fail(`${where}: shape_signature [${t.shapeSignature}] and shape [${t.shape}] differ in rank`);
    if (t.shapeSignature?.some((d, k) => !(d === -1 || d === t.shape[k])))
        fail(`${where}: shape_signature [${t.shapeSignature}] does not match shape [${t.shape}]`);
    const dtype = DTYPE_OF[t.type];
    const count = t.shape.reduce((a, b) => a * b, 1);
    const bytes = dtype && dtype !== 'string' ? byteLength(dtype, count) : 0;
    if (bytes > MAX_BYTES)
        fail(`${where}: shape [${t.shape}] is too large (${bytes} bytes)`);
    const data = m.buffers[t.buffer]?.data;
    if (data && dtype && dtype !== 'string' && data.length !== bytes)
        fail(`${where}: ${t.type}[${t.shape}] needs ${bytes} bytes, its buffer has ${data.length}`);
}
/** An operator's options table must be the one its builtin takes (a mismatch is read as garbage). */
function checkOptionTables(m, fail) {
    m.subgraphs.forEach((sg, s) => sg.operators.forEach((op, o) => {
        const name = BUILTIN_OPERATOR_NAMES[m.operatorCodes[op.opcodeIndex].builtinCode] ?? '';
        const builtin = ops_builtinOf(name);
        if (!builtin || op.builtinOptionsType === 0)
            return;
        const want = builtin.options?.typeId ?? 0;
        if (op.builtinOptionsType !== want) {
            const table = schema_BUILTIN_OPTIONS_NAMES[op.builtinOptionsType] ?? `#${op.builtinOptionsType}`;
            fail(`subgraphs[${s}].operators[${o}] (${name}) has options ${table}, not ${schema_BUILTIN_OPTIONS_NAMES[want] ?? 'none'}`);
        }
    }));
}
//# sourceMappingURL=validate.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/read.js
/**
 * Reads a .tflite flatbuffer into a TfliteModel. Every offset, length and index is checked, so a damaged
 * or hostile file ends in a ModelFormatError naming it, never another exception, a hang or a huge
 * allocation. Constant data stays a view into `bytes`.
 */





function readTflite(bytes, fileName) {
    const r = new CheckedReader(bytes, fileName);
    if (bytes.length < 8)
        r.fail(`too short to be a TFLite model (${bytes.length} bytes)`);
    const id = String.fromCharCode(...bytes.subarray(4, 8));
    if (id !== schema_FILE_IDENTIFIER)
        r.fail(`not a TFLite model (file identifier '${printable(id)}', expected 'TFL3')`);
    const root = r.table(r.u32(0, 'root offset'), 'Model');
    const model = readModel(r, root);
    validate(r, model);
    checkOptionTables(model, (message) => r.fail(message));
    checkTensors(model, (message) => r.fail(message));
    checkSubgraphCalls(model, (message) => r.fail(message));
    return model;
}
function printable(s) {
    return s.replace(/[^\x20-\x7e]/g, '?');
}
function readModel(r, t) {
    const S = schema_SLOT.Model;
    if (r.ref(t, S.externalBuffers, 'Model.external_buffers')) {
        r.fail('the model keeps weights in external files (Model.external_buffers), which is not supported');
    }
    const model = {
        version: r.uint32(t, S.version, 0, 'Model.version'),
        description: r.string(t, S.description, 'Model.description') ?? '',
        operatorCodes: r.tables(t, S.operatorCodes, 'operator_codes', (c) => readOperatorCode(r, c)),
        subgraphs: r.tables(t, S.subgraphs, 'subgraphs', (s, i) => readSubgraph(r, s, `subgraphs[${i}]`)),
        buffers: r.tables(t, S.buffers, 'buffers', (b, i) => readBuffer(r, b, `buffers[${i}]`)),
        metadata: r.tables(t, S.metadata, 'metadata', (m, i) => ({
            name: r.string(m, schema_SLOT.Metadata.name, `metadata[${i}].name`) ?? '',
            buffer: r.uint32(m, schema_SLOT.Metadata.buffer, 0, `metadata[${i}].buffer`),
        })),
        signatureDefs: r.tables(t, S.signatureDefs, 'signature_defs', (s, i) => readSignature(r, s, i)),
    };
    const metadataBuffer = r.int32s(t, S.metadataBuffer, 'Model.metadata_buffer');
    if (metadataBuffer)
        model.metadataBuffer = metadataBuffer;
    return model;
}
function readOperatorCode(r, t) {
    const S = schema_SLOT.OperatorCode;
    const deprecatedBuiltinCode = r.int8(t, S.deprecatedBuiltinCode, 0, 'OperatorCode.deprecated_builtin_code');
    const builtinCode = r.int32(t, S.builtinCode, 0, 'OperatorCode.builtin_code');
    const code = {
        // Schema 3a: files from before `builtin_code` existed only set the byte; newer ones set both.
        builtinCode: Math.max(builtinCode, deprecatedBuiltinCode),
        deprecatedBuiltinCode,
        version: r.int32(t, S.version, 1, 'OperatorCode.version'),
    };
    const customCode = r.string(t, S.customCode, 'OperatorCode.custom_code');
    if (customCode !== undefined)
        code.customCode = customCode;
    return code;
}
function readSubgraph(r, t, where) {
    const S = schema_SLOT.SubGraph;
    return {
        name: r.string(t, S.name, `${where}.name`) ?? '',
        tensors: r.tables(t, S.tensors, `${where}.tensors`, (x, i) => readTensor(r, x, `${where}.tensors[${i}]`)),
        inputs: r.int32s(t, S.inputs, `${where}.inputs`) ?? [],
        outputs: r.int32s(t, S.outputs, `${where}.outputs`) ?? [],
        operators: r.tables(t, S.operators, `${where}.operators`, (o, i) => readOperator(r, o, `${where}.operators[${i}]`)),
    };
}
function readTensor(r, t, where) {
    const S = schema_SLOT.Tensor;
    const typeCode = r.int8(t, S.type, 0, `${where}.type`);
    const type = TENSOR_TYPE_NAMES[typeCode];
    if (type === undefined)
        r.fail(`${where}: unknown tensor type ${typeCode}`);
    if (r.ref(t, S.sparsity, where))
        r.fail(`${where}: sparse tensors are not supported`);
    if (r.ref(t, S.variantTensors, where))
        r.fail(`${where}: variant tensors are not supported`);
    if (r.uint32(t, S.externalBuffer, 0, where))
        r.fail(`${where}: external weight files are not supported`);
    const tensor = {
        name: r.string(t, S.name, `${where}.name`) ?? '',
        shape: r.int32s(t, S.shape, `${where}.shape`) ?? [],
        type,
        buffer: r.uint32(t, S.buffer, 0, `${where}.buffer`),
        isVariable: r.bool(t, S.isVariable, false, `${where}.is_variable`),
        hasRank: r.bool(t, S.hasRank, false, `${where}.has_rank`),
    };
    const signature = r.int32s(t, S.shapeSignature, `${where}.shape_signature`);
    if (signature)
        tensor.shapeSignature = signature;
    const q = r.child(t, S.quantization, `${where}.quantization`);
    if (q)
        tensor.quantization = readQuantization(r, q, `${where}.quantization`);
    return tensor;
}
function readQuantization(r, t, where) {
    const S = schema_SLOT.QuantizationParameters;
    if (r.uint8(t, S.detailsType, 0, where) !== 0)
        r.fail(`${where}: quantization details are not supported`);
    const q = {
        quantizedDimension: r.int32(t, S.quantizedDimension, 0, `${where}.quantized_dimension`),
    };
    const min = r.float32s(t, S.min, `${where}.min`);
    const max = r.float32s(t, S.max, `${where}.max`);
    const scale = r.float32s(t, S.scale, `${where}.scale`);
    const zeroPoint = r.int64s(t, S.zeroPoint, `${where}.zero_point`);
    if (min)
        q.min = min;
    if (max)
        q.max = max;
    if (scale)
        q.scale = scale;
    if (zeroPoint)
        q.zeroPoint = zeroPoint.map((z) => safeNumber(r, z, `${where}.zero_point`));
    return q;
}
function readOperator(r, t, where) {
    const S = schema_SLOT.Operator;
    if (r.uint8(t, S.builtinOptions2Type, 0, where) !== 0)
        r.fail(`${where}: builtin_options_2 is not supported`);
    const builtinOptionsType = r.uint8(t, S.builtinOptionsType, 0, `${where}.builtin_options_type`);
    const op = {
        opcodeIndex: r.uint32(t, S.opcodeIndex, 0, `${where}.opcode_index`),
        inputs: r.int32s(t, S.inputs, `${where}.inputs`) ?? [],
        outputs: r.int32s(t, S.outputs, `${where}.outputs`) ?? [],
        builtinOptionsType,
        builtinOptions: readOptions(r, t, builtinOptionsType, where),
    };
    const custom = r.bytesOf(t, S.customOptions, `${where}.custom_options`) ?? largeCustomOptions(r, t, where);
    if (custom)
        op.customOptions = custom;
    const mutating = r.bools(t, S.mutatingVariableInputs, `${where}.mutating_variable_inputs`);
    if (mutating)
        op.mutatingVariableInputs = mutating;
    const intermediates = r.int32s(t, S.intermediates, `${where}.intermediates`);
    if (intermediates)
        op.intermediates = intermediates;
    return op;
}
/** Schema 3c: custom options of >2 GiB models live after the flatbuffer; offsets count from the file start. */
function largeCustomOptions(r, t, where) {
    const offset = r.uint64(t, schema_SLOT.Operator.largeCustomOptionsOffset, where);
    if (offset <= 1n)
        return undefined;
    const size = r.uint64(t, schema_SLOT.Operator.largeCustomOptionsSize, where);
    return outside(r, offset, size, `${where}.large_custom_options`);
}
function readOptions(r, t, typeId, where) {
    const options = {};
    if (typeId === 0)
        return options;
    const spec = ops_optionsSpec(typeId);
    if (!spec)
        return options; // an options table this project does not know: the op is refused on import
    const table = r.child(t, schema_SLOT.Operator.builtinOptions, `${where}.builtin_options`);
    spec.fields.forEach((field, slot) => {
        if (field.deprecated)
            return;
        const what = `${where}.${spec.name}.${field.name}`;
        const value = table ? readField(r, table, slot, field.type, field.default, what) : field.default;
        if (value !== undefined)
            options[field.name] = value;
    });
    return options;
}
function readField(r, t, slot, type, def, what) {
    switch (type) {
        case 'bool':
            return r.bool(t, slot, def, what);
        case 'byte':
            return r.int8(t, slot, def, what);
        case 'int':
            return r.int32(t, slot, def, what);
        case 'float':
            return r.float32(t, slot, def, what);
        default:
            return r.int32s(t, slot, what);
    }
}
function readBuffer(r, t, where) {
    const data = r.bytesOf(t, schema_SLOT.Buffer.data, `${where}.data`);
    if (data)
        return data.length ? { data } : {};
    const offset = r.uint64(t, schema_SLOT.Buffer.offset, `${where}.offset`);
    // Schema 3c: offset/size locate data after the flatbuffer, "only valid if > 1".
    if (offset <= 1n)
        return {};
    const size = r.uint64(t, schema_SLOT.Buffer.size, `${where}.size`);
    const bytes = outside(r, offset, size, where);
    return { data: bytes, offset: Number(offset), size: bytes.length };
}
function outside(r, offset, size, what) {
    const end = offset + size;
    if (end > BigInt(r.bytes.length))
        r.fail(`${what} lies outside the file (offset ${offset}, ${size} bytes)`);
    return r.bytes.subarray(Number(offset), Number(end));
}
function readSignature(r, t, index) {
    const S = schema_SLOT.SignatureDef;
    const where = `signature_defs[${index}]`;
    const maps = (slot, what) => r.tables(t, slot, `${where}.${what}`, (m, i) => ({
        name: r.string(m, schema_SLOT.TensorMap.name, `${where}.${what}[${i}].name`) ?? '',
        tensorIndex: r.uint32(m, schema_SLOT.TensorMap.tensorIndex, 0, `${where}.${what}[${i}].tensor_index`),
    }));
    return {
        signatureKey: r.string(t, S.signatureKey, `${where}.signature_key`) ?? '',
        subgraphIndex: r.uint32(t, S.subgraphIndex, 0, `${where}.subgraph_index`),
        inputs: maps(S.inputs, 'inputs'),
        outputs: maps(S.outputs, 'outputs'),
    };
}
function safeNumber(r, value, what) {
    if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
        r.fail(`${what}: value ${value} out of range`);
    }
    return Number(value);
}
/** Cross-references: every index must name something that exists, so later stages can trust them. */
function validate(r, m) {
    const index = (i, n, what, optional = false) => {
        if (!(Number.isInteger(i) && i < n && (i >= 0 || (optional && i === -1)))) {
            r.fail(`${what}: index ${i} out of range (0..${n - 1})`);
        }
    };
    m.metadata.forEach((md, i) => index(md.buffer, m.buffers.length, `metadata[${i}].buffer`));
    m.metadataBuffer?.forEach((b, i) => index(b, m.buffers.length, `metadata_buffer[${i}]`));
    m.subgraphs.forEach((sg, s) => {
        const nt = sg.tensors.length;
        sg.tensors.forEach((x, i) => index(x.buffer, Math.max(m.buffers.length, 1), `subgraphs[${s}].tensors[${i}].buffer`));
        sg.inputs.forEach((x, i) => index(x, nt, `subgraphs[${s}].inputs[${i}]`));
        sg.outputs.forEach((x, i) => index(x, nt, `subgraphs[${s}].outputs[${i}]`));
        sg.operators.forEach((op, o) => {
            const where = `subgraphs[${s}].operators[${o}]`;
            index(op.opcodeIndex, m.operatorCodes.length, `${where}.opcode_index`);
            op.inputs.forEach((x, i) => index(x, nt, `${where}.inputs[${i}]`, true));
            op.outputs.forEach((x, i) => index(x, nt, `${where}.outputs[${i}]`));
            op.intermediates?.forEach((x, i) => index(x, nt, `${where}.intermediates[${i}]`));
        });
    });
    m.signatureDefs.forEach((sd, i) => {
        index(sd.subgraphIndex, m.subgraphs.length, `signature_defs[${i}].subgraph_index`);
        const nt = m.subgraphs[sd.subgraphIndex]?.tensors.length ?? 0;
        [...sd.inputs, ...sd.outputs].forEach((tm) => index(tm.tensorIndex, nt, `signature_defs[${i}] '${tm.name}'`));
    });
}
//# sourceMappingURL=read.js.map
;// CONCATENATED MODULE: ./lib/runtime/litert.js
/**
 * LiteRT (TFLite) runtime adapter: load a .tflite from bytes, run it on the CPU (XNNPACK in WASM).
 * Works below @litertjs/core's Tensor API, which only knows float32/int32/uint8, because quantized models
 * have int8 inputs and outputs.
 */



/** litert::ElementType codes (litert_model_types.h, mirrored in @litertjs/core's ElementType). */
const ELEMENT_TYPES = {
    1: { dtype: 'float32', ctor: Float32Array },
    2: { dtype: 'int32', ctor: Int32Array },
    3: { dtype: 'uint8', ctor: Uint8Array },
    4: { dtype: 'int64', ctor: BigInt64Array },
    6: { dtype: 'bool', ctor: Uint8Array },
    7: { dtype: 'int16', ctor: Int16Array },
    9: { dtype: 'int8', ctor: Int8Array },
};
function litert_dtypeOf(type, what) {
    const code = type.elementType().value;
    const info = ELEMENT_TYPES[code];
    if (!info)
        throw new TypeError(`LiteRT: ${what} has element type ${code}, which this adapter does not support`);
    return info;
}
function shapeOf(type) {
    const layout = type.layout();
    const dims = fromVector(layout.dimensions());
    layout.delete();
    return dims;
}
/**
 * Loads and compiles a model for the CPU. `name` is used in error messages (the file name, usually). The
 * bytes are checked by the project's reader first: LiteRT trusts what it reads, and a file that is wrong
 * where it does not look (an index, a shape, a subgraph reference) can make its WASM trap.
 */
async function litert_loadTflite(bytes, name = '<tflite bytes>') {
    const parsed = readTflite(bytes, name);
    const rt = await getLiteRt();
    const { wasm } = rt;
    const ptr = wasm._malloc(bytes.byteLength);
    wasm.HEAPU8.set(bytes, ptr);
    let model;
    let compiled;
    try {
        model = wasm.loadModel(rt.env, ptr, bytes.byteLength);
        compiled = await wasm.compileModel(rt.env, model, {
            accelerator: 'wasm',
            cpuOptions: { numThreads: 1 },
            gpuOptions: {},
            webNNOptions: {},
        });
        return new Runner(rt, ptr, model, compiled, name, tensorNames(parsed));
    }
    catch (error) {
        let trapped = isTrap(error);
        try {
            if (!trapped) {
                compiled?.delete();
                model?.delete();
                wasm._free(ptr);
            }
        }
        catch {
            trapped = true; // freeing what a damaged model left behind trapped
        }
        if (trapped)
            resetLiteRt();
        throw new errors_ModelFormatError(name, `LiteRT cannot load the model: ${describe(error, rt.log)}`);
    }
}
/** Port name → tensor name, for the first signature (or the first subgraph when there is none). */
function tensorNames(m) {
    const names = new Map();
    const sig = m.signatureDefs[0];
    const sg = m.subgraphs[sig?.subgraphIndex ?? 0];
    if (!sg)
        return names;
    if (sig) {
        for (const t of [...sig.inputs, ...sig.outputs])
            names.set(t.name, sg.tensors[t.tensorIndex]?.name ?? t.name);
    }
    return names;
}
function describe(error, log) {
    const raw = error instanceof Error ? error.message : String(error);
    // LiteRT's messages carry newlines and tree glyphs; one line reads better in the CLI's error.
    const message = raw.replace(/\s*\n\s*[└├│─\s]*/g, '; ').trim();
    const last = log.filter((line) => /ERROR/.test(line)).slice(-3);
    return last.length ? `${message} (${last.join('; ')})` : message;
}
class Runner {
    rt;
    ptr;
    model;
    compiled;
    file;
    inputs;
    outputs;
    inPorts;
    outPorts;
    signature;
    closed = false;
    /** Set when LiteRT's WASM trapped under this model: its objects belong to a discarded instance. */
    broken = false;
    constructor(rt, ptr, model, compiled, file, tensorNames) {
        this.rt = rt;
        this.ptr = ptr;
        this.model = model;
        this.compiled = compiled;
        this.file = file;
        this.signature = model.getSignature(0);
        const ports = (names, get) => names.map((portName, i) => {
            const type = get(i);
            const info = litert_dtypeOf(type, `tensor '${portName}'`);
            const tensorName = tensorNames.get(portName) ?? portName;
            return { name: portName, tensorName, shape: shapeOf(type), dtype: info.dtype, info, type };
        });
        this.inPorts = ports(fromVector(this.signature.inputNames()), (i) => model.getInputTensorType(0, i));
        this.outPorts = ports(fromVector(this.signature.outputNames()), (i) => model.getOutputTensorType(0, i));
        const info = ({ name, tensorName, shape, dtype }) => ({
            name,
            tensorName,
            shape: [...shape],
            dtype,
        });
        this.inputs = this.inPorts.map(info);
        this.outputs = this.outPorts.map(info);
    }
    async run(feeds) {
        if (this.closed)
            throw new Error('LiteRT: run() on a closed model');
        const buffers = [];
        let outputs = [];
        try {
            this.inPorts.forEach((port, i) => buffers.push(this.toBuffer(port, pickFeed(feeds, port, i))));
            outputs = await this.invoke(buffers);
            const result = {};
            outputs.forEach((buffer, i) => {
                const port = this.outPorts[i];
                if (port)
                    result[port.name] = result[port.tensorName] = this.fromBuffer(buffer, port);
            });
            return result;
        }
        finally {
            this.guard('fails releasing its tensors', () => {
                for (const buffer of [...buffers, ...outputs])
                    buffer.delete();
            });
        }
    }
    /**
     * LiteRT's run, its failures (an error it reports, or a trap of its WASM) as errors naming the model.
     * A kernel that refuses the graph when LiteRT prepares it ("failed to prepare", then "Failed to allocate
     * tensors") only prints ERROR lines: the run still hands back output buffers, never written.
     */
    async invoke(buffers) {
        const errors = this.rt.errors;
        let outputs;
        try {
            outputs = await this.compiled.run(0, buffers);
        }
        catch (error) {
            throw this.fault('fails running the model', error);
        }
        if (this.rt.errors > errors) {
            for (const buffer of outputs)
                buffer.delete();
            throw this.fault('refuses the model', new Error('it printed errors'));
        }
        return outputs;
    }
    /**
     * Runs `f` on this model's LiteRT objects unless the instance trapped before. A trap here (memory a
     * kernel overwrote while running a damaged model shows up when it is freed) is the model's fault too.
     */
    guard(doing, f) {
        if (this.broken)
            return;
        try {
            f();
        }
        catch (error) {
            throw this.fault(doing, error);
        }
    }
    fault(doing, error) {
        if (isTrap(error)) {
            // A trapped instance may be left inconsistent: nothing of it is touched again.
            this.broken = true;
            resetLiteRt();
        }
        return new errors_ModelFormatError(this.file, `LiteRT ${doing}: ${describe(error, this.rt.log)}`);
    }
    toBuffer(port, data) {
        if (!(data instanceof port.info.ctor)) {
            throw new TypeError(`LiteRT: input '${port.name}' is ${port.dtype}, got a ${data.constructor.name}`);
        }
        const size = port.type.bytes();
        if (data.byteLength !== size) {
            throw new RangeError(`LiteRT: input '${port.name}' has shape [${port.shape}] (${size} bytes), got ${data.byteLength} bytes`);
        }
        const { wasm, env } = this.rt;
        const buffer = wasm.LiteRtTensorBuffer.createManaged(env, wasm.LiteRtTensorBufferType.HOST_MEMORY, port.type, size);
        const dst = buffer.lock(wasm.LiteRtTensorBufferLockMode.WRITE);
        wasm.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), dst);
        buffer.unlock();
        return buffer;
    }
    fromBuffer(buffer, port) {
        const { wasm } = this.rt;
        const type = buffer.tensorType();
        const shape = shapeOf(type);
        type.delete();
        if (buffer.offset() !== 0)
            throw new Error(`LiteRT: output '${port.name}' has an offset buffer`);
        const src = buffer.lock(wasm.LiteRtTensorBufferLockMode.READ);
        // slice() copies out of the WASM heap, which later calls may grow or reuse.
        const bytes = wasm.HEAPU8.slice(src, src + buffer.packedSize());
        buffer.unlock();
        return { data: new port.info.ctor(bytes.buffer), shape, dtype: port.dtype };
    }
    close() {
        if (this.closed)
            return;
        this.closed = true;
        this.guard('fails releasing the model', () => {
            for (const port of [...this.inPorts, ...this.outPorts])
                port.type.delete();
            this.signature.delete();
            this.compiled.delete();
            this.model.delete();
            this.rt.wasm._free(this.ptr);
        });
    }
}
function pickFeed(feeds, port, index) {
    const data = Array.isArray(feeds) ? feeds[index] : (feeds[port.name] ?? feeds[port.tensorName]);
    if (!data) {
        const also = port.tensorName !== port.name ? ` or '${port.tensorName}'` : '';
        throw new RangeError(`LiteRT: no data for input '${port.name}'${also} (index ${index})`);
    }
    return data;
}
//# sourceMappingURL=litert.js.map
;// CONCATENATED MODULE: ./lib/ir/graph.js
/**
 * A computation graph. Nodes are kept in a valid execution order after `topoSort`. The graph is plain
 * data: derived maps (producers, consumers) come from `indexGraph` and are not cached on the graph, so a
 * pass can never read a stale map.
 */
class Graph {
    name = '';
    nodes = [];
    /** Graph inputs as listed in the file; older ONNX files also list initializers here. */
    inputs = [];
    outputs = [];
    initializers = new Map();
    /** Known types of intermediate values. */
    valueInfo = new Map();
    doc;
    extra;
    /** Inputs that must be fed at run time (those not backed by an initializer). */
    runtimeInputs() {
        return this.inputs.filter((v) => !this.initializers.has(v.name));
    }
    /** A shallow copy: new node list, maps and node objects; tensors and subgraphs are shared. */
    clone() {
        const g = new Graph();
        g.name = this.name;
        g.nodes = this.nodes.map(cloneNode);
        g.inputs = this.inputs.map((v) => ({ ...v }));
        g.outputs = this.outputs.map((v) => ({ ...v }));
        g.initializers = new Map(this.initializers);
        g.valueInfo = new Map(this.valueInfo);
        g.doc = this.doc;
        g.extra = this.extra;
        return g;
    }
    /** The tensor behind a value when it is constant: an initializer, or the output of a Constant node. */
    constant(name, index = indexGraph(this)) {
        const init = this.initializers.get(name);
        if (init)
            return init;
        const producer = index.producer.get(name);
        if (producer && producer.opType === 'Constant' && producer.domain === '')
            return constantNodeValue(producer);
        return undefined;
    }
    /** The quantization parameters of a value or constant, where the graph gives them. */
    quantOf(name) {
        return (this.initializers.get(name)?.quant ??
            this.valueInfo.get(name)?.quant ??
            this.inputs.find((v) => v.name === name)?.quant ??
            this.outputs.find((v) => v.name === name)?.quant);
    }
    /** The type of a value as far as it is known (inputs, outputs, value_info, initializers). */
    typeOf(name) {
        const init = this.initializers.get(name);
        if (init)
            return { kind: 'tensor', dtype: init.dtype, shape: [...init.dims] };
        return (this.valueInfo.get(name)?.type ??
            this.inputs.find((v) => v.name === name)?.type ??
            this.outputs.find((v) => v.name === name)?.type);
    }
}
function cloneNode(n) {
    return { ...n, inputs: [...n.inputs], outputs: [...n.outputs], attrs: { ...n.attrs } };
}
function opsetVersion(model, domain = '') {
    const d = domain === 'ai.onnx' ? '' : domain;
    return model.opsetImports.find((o) => (o.domain === 'ai.onnx' ? '' : o.domain) === d)?.version;
}
function indexGraph(g) {
    const producer = new Map();
    const consumers = new Map();
    const read = (i, node) => {
        const list = consumers.get(i);
        if (list)
            list.push(node);
        else
            consumers.set(i, [node]);
    };
    // As readsOf, without its arrays for the nodes that hold no subgraph (the rewrite engine indexes the
    // graph again after every rewrite: PP-OCRv4 rec's optimizer, 495 times).
    for (const node of g.nodes) {
        for (const o of node.outputs)
            if (o)
                producer.set(o, node);
        if (holdsSubgraph(node))
            for (const i of readsOf(node))
                read(i, node);
        else
            for (const i of node.inputs)
                if (i !== '')
                    read(i, node);
    }
    return { producer, consumers, graphOutputs: new Set(g.outputs.map((v) => v.name)) };
}
function holdsSubgraph(node) {
    for (const k in node.attrs) {
        const kind = node.attrs[k].kind;
        if (kind === 'graph' || kind === 'graphs')
            return true;
    }
    return false;
}
/** Every value a node reads: its inputs and the outer-scope values its subgraphs use. */
function readsOf(node) {
    const direct = node.inputs.filter((i) => i !== '');
    const subgraphs = subgraphsOf(node);
    if (subgraphs.length === 0)
        return direct;
    const outer = new Set();
    for (const sg of subgraphs)
        for (const name of outerReads(sg))
            outer.add(name);
    return [...direct, ...outer];
}
function subgraphsOf(node) {
    const out = [];
    for (const a of Object.values(node.attrs)) {
        if (a.kind === 'graph')
            out.push(a.value);
        else if (a.kind === 'graphs')
            out.push(...a.value);
    }
    return out;
}
/**
 * Every value something in `g` reads: node inputs, the outer-scope values their subgraphs use, and the
 * graph outputs. A pass that drops "unused" initializers must ask this, not the node inputs alone: an If
 * branch that reads an initializer of the enclosing graph has no node input naming it.
 */
function readNames(g) {
    const read = new Set(g.outputs.map((v) => v.name));
    for (const n of g.nodes)
        for (const i of readsOf(n))
            read.add(i);
    return read;
}
/** Names a subgraph reads from its enclosing scopes. */
function outerReads(g) {
    const defined = new Set([...g.inputs.map((v) => v.name), ...g.initializers.keys()]);
    for (const n of g.nodes)
        for (const o of n.outputs)
            defined.add(o);
    const reads = new Set();
    for (const n of g.nodes)
        for (const i of readsOf(n))
            if (!defined.has(i))
                reads.add(i);
    for (const o of g.outputs)
        if (!defined.has(o.name))
            reads.add(o.name);
    return reads;
}
/**
 * Nodes in an order where every value is produced before it is read (Kahn's algorithm, stable: ties keep
 * the file's order). Throws on a cycle, naming a node in it.
 */
function topoSort(g) {
    const available = new Set([...g.inputs.map((v) => v.name), ...g.initializers.keys(), '']);
    const index = indexGraph(g);
    const position = new Map(g.nodes.map((n, i) => [n, i]));
    // Per node, how many distinct values it still waits for; `ready` is kept sorted by file position.
    const pending = new Map();
    const ready = [];
    for (const node of g.nodes) {
        const missing = new Set(readsOf(node).filter((i) => !available.has(i) && index.producer.has(i)));
        pending.set(node, missing.size);
        if (missing.size === 0)
            ready.push(node);
    }
    const order = [];
    while (ready.length) {
        const node = ready.shift();
        order.push(node);
        for (const o of node.outputs) {
            if (!o || available.has(o))
                continue;
            available.add(o);
            for (const c of new Set(index.consumers.get(o) ?? [])) {
                const left = pending.get(c) - 1;
                pending.set(c, left);
                if (left === 0)
                    ready.splice(insertionPoint(ready, position.get(c), position), 0, c);
            }
        }
    }
    if (order.length !== g.nodes.length) {
        const node = nodeOnCycle(new Set(g.nodes.filter((n) => pending.get(n) > 0)), index, available);
        throw new Error(`graph '${g.name}' has a cycle through node '${node.name}' (${node.opType})`);
    }
    return order;
}
function insertionPoint(sorted, at, position) {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (position.get(sorted[mid]) < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
/** Every stuck node waits for a value another stuck node produces; walking back along them must loop. */
function nodeOnCycle(stuck, index, available) {
    const seen = new Set();
    let node = stuck.values().next().value;
    while (!seen.has(node)) {
        seen.add(node);
        const waits = readsOf(node).find((i) => !available.has(i) && stuck.has(index.producer.get(i)));
        node = index.producer.get(waits);
    }
    return node;
}
/** The tensor a Constant node holds (`value`, or the `value_float(s)` / `value_int(s)` shorthands). */
function constantNodeValue(node) {
    const a = node.attrs;
    if (a.value?.kind === 'tensor')
        return a.value.value;
    return constantShorthand(a);
}
// Imported lazily to keep graph.ts free of a cycle with tensor.ts at module load.

function constantShorthand(a) {
    const v = a.value_float ?? a.value_floats ?? a.value_int ?? a.value_ints;
    if (!v)
        return undefined;
    switch (v.kind) {
        case 'float':
            return tensor_Tensor.float32([], [v.value]);
        case 'floats':
            return tensor_Tensor.float32([v.value.length], v.value);
        case 'int':
            return tensor_Tensor.int64([], [v.value]);
        case 'ints':
            return tensor_Tensor.int64([v.value.length], v.value);
        default:
            return undefined;
    }
}
//# sourceMappingURL=graph.js.map
;// CONCATENATED MODULE: ./lib/formats/tflite/import.js
/**
 * TFLite → IR, one to one: each operator becomes a node of domain 'tflite' named by its TFLite op
 * (CONV_2D, ...) that keeps TFLite's NHWC semantics; its builtin options become attributes. The one
 * rewrite: float16 weights behind a DEQUANTIZE become float32 constants and the DEQUANTIZE goes.
 * The first subgraph is the graph; further ones (control-flow bodies) ride along as TFLite data.
 */










/** Reads a .tflite file into the IR. */
function readTfliteFile(file) {
    let bytes;
    try {
        bytes = readFileSync(file);
    }
    catch (e) {
        throw new ModelFormatError(file, `cannot read the file (${e.code ?? String(e)})`);
    }
    return importTflite(bytes, file);
}
/** Decodes TFLite bytes into the IR; constants view `bytes` (no copies) except converted float16 weights. */
function importTflite(bytes, file = '<bytes>') {
    return tfliteToIr(readTflite(bytes, file), file);
}
function tfliteToIr(model, file) {
    if (model.subgraphs.length === 0)
        throw new errors_ModelFormatError(file, 'has no subgraphs');
    const sg = model.subgraphs[0];
    const ctx = { file, model, sg, names: valueNames(sg.tensors), folded: new Map() };
    const ops = sg.operators.filter((op) => !foldFloat16Dequantize(ctx, op));
    const g = new Graph();
    g.name = sg.name;
    g.nodes = ops.map((op) => nodeOf(ctx, op));
    addValues(ctx, g);
    const quantScheme = readSchemeEntry(model, file);
    return {
        format: 'tflite',
        irVersion: 0,
        opsetImports: [{ domain: 'tflite', version: schema_SCHEMA_VERSION }],
        doc: model.description,
        metadata: [],
        ...(quantScheme ? { quantScheme } : {}),
        graph: g,
        extra: { tflite: modelExtra(ctx) },
    };
}
/** Unique, non-empty value names: a tensor's own name where it can be kept. */
function valueNames(tensors) {
    const count = new Map();
    for (const t of tensors)
        count.set(t.name, (count.get(t.name) ?? 0) + 1);
    const taken = new Set(tensors.map((t) => t.name));
    return tensors.map((t, i) => {
        if (t.name && count.get(t.name) === 1)
            return t.name;
        let name = `${t.name || 'tensor'}__${i}`;
        while (taken.has(name))
            name += '_';
        taken.add(name);
        return name;
    });
}
const opName = (ctx, op) => BUILTIN_OPERATOR_NAMES[ctx.model.operatorCodes[op.opcodeIndex].builtinCode] ?? 'UNKNOWN';
const constantData = (ctx, t) => ctx.model.buffers[t.buffer]?.data;
/** A DEQUANTIZE of a constant float16 tensor to float32 is recorded for folding; returns true if so. */
function foldFloat16Dequantize(ctx, op) {
    if (opName(ctx, op) !== 'DEQUANTIZE' || op.inputs.length !== 1 || op.outputs.length !== 1)
        return false;
    const [src, dst] = [op.inputs[0], op.outputs[0]];
    const input = ctx.sg.tensors[src];
    if (input?.type !== 'FLOAT16' || ctx.sg.tensors[dst]?.type !== 'FLOAT32')
        return false;
    if (!input || !constantData(ctx, input))
        return false;
    ctx.folded.set(dst, src);
    return true;
}
function nodeOf(ctx, op) {
    const opType = opName(ctx, op);
    const value = (i) => (i < 0 ? '' : ctx.names[i]);
    const outputs = op.outputs.map(value);
    const name = outputs[0] || `${opType}_${ctx.sg.operators.indexOf(op)}`;
    if (!ops_SUPPORTED_BUILTINS.includes(opType)) {
        throw new errors_UnsupportedOpError(name, opType, ops_SUPPORTED_BUILTINS, `in TFLite import of ${ctx.file}`);
    }
    const code = ctx.model.operatorCodes[op.opcodeIndex];
    const extra = { version: code.version };
    return {
        name,
        opType,
        domain: 'tflite',
        inputs: op.inputs.map(value),
        outputs,
        attrs: opType === 'CUSTOM' ? customAttrs(code.customCode ?? '', op) : optionAttrs(op),
        extra: { tflite: extra },
    };
}
/** Builtin options as attributes: ints (bools as 0/1, enums as their codes), floats, int lists. */
function optionAttrs(op) {
    const spec = ops_optionsSpec(op.builtinOptionsType);
    const attrs = {};
    for (const field of spec?.fields ?? []) {
        const v = op.builtinOptions[field.name];
        if (v === undefined)
            continue;
        if (Array.isArray(v))
            attrs[field.name] = { kind: 'ints', value: [...v] };
        else if (field.type === 'float')
            attrs[field.name] = { kind: 'float', value: v };
        else
            attrs[field.name] = { kind: 'int', value: Number(v) };
    }
    return attrs;
}
function customAttrs(customCode, op) {
    const bytes = op.customOptions ?? new Uint8Array(0);
    return {
        custom_code: { kind: 'string', value: customCode },
        custom_options: { kind: 'tensor', value: new tensor_Tensor('uint8', [bytes.length], bytes) },
    };
}
/** Constants become initializers; every other tensor a typed value (graph input, output or intermediate). */
function addValues(ctx, g) {
    const folded = new Set(ctx.folded.values());
    const used = new Set([...ctx.sg.inputs, ...ctx.sg.outputs]);
    for (const op of ctx.sg.operators)
        for (const i of [...op.inputs, ...op.outputs])
            if (i >= 0)
                used.add(i);
    ctx.sg.tensors.forEach((t, i) => {
        if (!used.has(i) || (folded.has(i) && !stillRead(ctx, g, i)))
            return;
        const name = ctx.names[i];
        const source = ctx.folded.get(i);
        if (source !== undefined)
            g.initializers.set(name, float16Weights(ctx, source, i));
        else if (constantData(ctx, t))
            g.initializers.set(name, constantOf(ctx, t, i));
        else
            g.valueInfo.set(name, valueInfoOf(ctx, i));
    });
    const io = (i) => g.valueInfo.get(ctx.names[i]) ?? { name: ctx.names[i] };
    g.inputs = ctx.sg.inputs.map(io).map((v) => withSignatureKey(ctx, v));
    g.outputs = ctx.sg.outputs.map(io).map((v) => withSignatureKey(ctx, v));
    for (const v of [...g.inputs, ...g.outputs])
        g.valueInfo.delete(v.name);
}
/** Marks an input or output whose SignatureDef key is not its name (data may be named by either). */
function withSignatureKey(ctx, v) {
    const sig = ctx.model.signatureDefs.find((s) => s.subgraphIndex === 0);
    const key = [...(sig?.inputs ?? []), ...(sig?.outputs ?? [])].find((m) => ctx.names[m.tensorIndex] === v.name);
    if (!key || key.name === v.name)
        return v;
    const extra = { ...v.extra, tflite: { ...v.extra?.tflite, signatureKey: key.name } };
    return { ...v, extra };
}
/** A folded float16 source that some other node still reads stays a constant too. */
function stillRead(ctx, g, i) {
    const name = ctx.names[i];
    return g.nodes.some((n) => n.inputs.includes(name)) || ctx.sg.outputs.includes(i);
}
function import_dtypeOf(ctx, t) {
    const dtype = DTYPE_OF[t.type];
    if (!dtype)
        throw new errors_ModelFormatError(ctx.file, `tensor '${t.name}' has type ${t.type}, which is not supported`);
    return dtype;
}
function constantOf(ctx, t, index) {
    const dtype = import_dtypeOf(ctx, t);
    if (dtype === 'string')
        throw new errors_ModelFormatError(ctx.file, `tensor '${t.name}': string constants are not supported`);
    let tensor;
    try {
        tensor = tensor_Tensor.fromBytes(dtype, t.shape, constantData(ctx, t));
    }
    catch (e) {
        throw new errors_ModelFormatError(ctx.file, `constant tensor '${t.name}' (#${index}): ${e.message}`);
    }
    tensor.extra = tensorExtra(ctx, t, index);
    tensor.quant = paramsOf(t);
    return tensor;
}
/** DEQUANTIZE of float16 is exact, so the float32 constant holds the very values the op produced. */
function float16Weights(ctx, source, out) {
    const half = constantOf(ctx, ctx.sg.tensors[source], source);
    const tensor = tensor_Tensor.float32(half.dims, half.toFloat32());
    tensor.extra = tensorExtra(ctx, ctx.sg.tensors[out], out);
    tensor.quant = paramsOf(ctx.sg.tensors[out]);
    return tensor;
}
function valueInfoOf(ctx, index) {
    const t = ctx.sg.tensors[index];
    const name = ctx.names[index];
    const sig = t.shapeSignature;
    const shape = t.shape.map((d, k) => (sig && sig[k] === -1 ? null : d));
    const extra = tensorExtra(ctx, t, index);
    const quant = paramsOf(t);
    return {
        name,
        type: { kind: 'tensor', dtype: import_dtypeOf(ctx, t), shape },
        ...(quant ? { quant } : {}),
        ...(extra ? { extra } : {}),
    };
}
function tensorExtra(ctx, t, index) {
    const tfl = {};
    if (ctx.names[index] !== t.name)
        tfl.name = t.name;
    if (t.hasRank)
        tfl.hasRank = true;
    if (t.isVariable)
        tfl.isVariable = true;
    if (t.shapeSignature)
        tfl.shapeSignature = true;
    return Object.keys(tfl).length ? { tflite: tfl } : undefined;
}
/**
 * A tensor's QuantizationParameters. The axis is kept where it means something (several scales) or where
 * the file sets one anyway, so that writing the tensor back gives the same table.
 */
function paramsOf(t) {
    const q = t.quantization;
    if (!q || !(q.scale?.length || q.min?.length || q.max?.length))
        return undefined;
    const p = {
        scale: Float64Array.from(q.scale ?? []),
        zeroPoint: Int32Array.from(q.zeroPoint ?? []),
    };
    if ((q.scale?.length ?? 0) > 1 || q.quantizedDimension !== 0)
        p.axis = q.quantizedDimension;
    if (q.min)
        p.min = q.min;
    if (q.max)
        p.max = q.max;
    return p;
}
function modelExtra(ctx) {
    const { model } = ctx;
    const data = (buffer) => model.buffers[buffer]?.data ?? new Uint8Array(0);
    const names = (maps) => maps.map((m) => ({ name: m.name, value: ctx.names[m.tensorIndex] ?? '' }));
    const subgraphs = keepSubgraphs(model, ctx.file);
    return {
        file: ctx.file,
        ...(subgraphs.length ? { subgraphs } : {}),
        metadata: model.metadata
            .filter((m) => m.name !== scheme_entry_SCHEME_ENTRY)
            .map((m) => ({ name: m.name, data: data(m.buffer) })),
        metadataBuffers: (model.metadataBuffer ?? []).map(data),
        signatureDefs: model.signatureDefs
            .filter((s) => s.subgraphIndex === 0)
            .map((s) => ({ signatureKey: s.signatureKey, inputs: names(s.inputs), outputs: names(s.outputs) })),
    };
}
//# sourceMappingURL=import.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/scheme.js
/** The arithmetic to run: what the caller asks, else what the model says, never guessed from numbers. */
function resolveArithmetic(model, opts = {}) {
    const q = model.quantScheme;
    const pow2 = q?.scheme === 'pow2' ? q : undefined;
    return {
        scheme: opts.scheme ?? q?.scheme ?? 'affine',
        rounding: opts.rounding ?? pow2?.rounding ?? 'floor',
        ...(opts.accumulatorRounding && { accumulatorRounding: opts.accumulatorRounding }),
        biasMode: opts.biasMode ?? pow2?.biasMode ?? 'B16',
        affineKernels: opts.affineKernels ?? 'litert',
    };
}
//# sourceMappingURL=scheme.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/api.js
/** The runtime's WebAssembly, or undefined where there is none. */
const webAssembly = globalThis.WebAssembly;
//# sourceMappingURL=api.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/assembler.js
/**
 * Just enough of a WebAssembly assembler to write the int8 kernels as code with named instructions: the
 * binary encodings (LEB128, vectors, sections), the instructions used, structured loops and two helpers.
 */
const I32 = 0x7f;
const V128 = 0x7b;
const I64 = 0x7e;
const EMPTY = 0x40;
const uleb = (n) => {
    const out = [];
    do {
        let byte = n & 0x7f;
        n >>>= 7;
        if (n)
            byte |= 0x80;
        out.push(byte);
    } while (n);
    return out;
};
/** Signed LEB128 of an integer below 2^53 in magnitude (i32.const and i64.const immediates). */
const sleb = (n) => {
    const out = [];
    for (;;) {
        const byte = ((n % 128) + 128) % 128;
        n = Math.floor(n / 128);
        if ((n === 0 && !(byte & 0x40)) || (n === -1 && byte & 0x40))
            return [...out, byte];
        out.push(byte | 0x80);
    }
};
const vec = (items) => [...uleb(items.length), ...items.flat()];
const section = (id, body) => [id, ...uleb(body.length), ...body];
const assembler_name = (s) => [...uleb(s.length), ...Array.from(s, (c) => c.charCodeAt(0))];
/** Instructions (core opcodes; SIMD ones behind the 0xfd prefix). */
const op = {
    block: [0x02, EMPTY],
    loop: [0x03, EMPTY],
    end: [0x0b],
    br: (depth) => [0x0c, ...uleb(depth)],
    brIf: (depth) => [0x0d, ...uleb(depth)],
    get: (i) => [0x20, ...uleb(i)],
    set: (i) => [0x21, ...uleb(i)],
    i32: (v) => [0x41, ...sleb(v)],
    eqz: [0x45],
    ltU: [0x49],
    add: [0x6a],
    mul: [0x6c],
    shl: [0x74],
    store: (offset) => [0x36, 2, ...uleb(offset)],
    store8: [0x3a, 0, 0],
    sub: [0x6b],
    and: [0x71],
    shrS: [0x75],
    ltS: [0x48],
    gtS: [0x4a],
    select: [0x1b],
    tee: (i) => [0x22, ...uleb(i)],
    i64: (v) => [0x42, ...sleb(v)],
    extend64: [0xac],
    wrap32: [0xa7],
    add64: [0x7c],
    mul64: [0x7e],
    div64: [0x7f],
    geS64: [0x59],
    load: (offset) => [0x28, 2, ...uleb(offset)],
    v128store: (offset) => [0xfd, ...uleb(11), 0, ...uleb(offset)],
    v128load: (offset) => [0xfd, ...uleb(0), 0, ...uleb(offset)],
    store32Lane: (lane) => [0xfd, ...uleb(90), 0, 0, lane],
    splat32: [0xfd, ...uleb(17)],
    f32Convert: [0xfd, ...uleb(250)],
    f32Mul: [0xfd, ...uleb(230)],
    f32Nearest: [0xfd, ...uleb(106)],
    f64Mul: [0xfd, ...uleb(242)],
    f64Floor: [0xfd, ...uleb(117)],
    f64ConvertLow: [0xfd, ...uleb(254)],
    truncSatF64Zero: [0xfd, ...uleb(252)],
    truncSat: [0xfd, ...uleb(248)],
    max32: [0xfd, ...uleb(184)],
    min32: [0xfd, ...uleb(182)],
    narrow16: [0xfd, ...uleb(133)],
    narrow8: [0xfd, ...uleb(101)],
    extmulLow: [0xfd, ...uleb(188)],
    extmulHigh: [0xfd, ...uleb(189)],
    load8x8s: [0xfd, ...uleb(1), 0, 0],
    v128zero: [0xfd, ...uleb(12), ...new Array(16).fill(0)],
    lane: (i) => [0xfd, ...uleb(27), i],
    /** i8x16.shuffle: bytes 0-15 of the first vector, 16-31 of the second. */
    shuffle: (bytes) => [0xfd, ...uleb(13), ...bytes],
    add32x4: [0xfd, ...uleb(174)],
    dot: [0xfd, ...uleb(186)],
};
/** `for (v = 0; v < limit; v += step) body` as block/loop. */
function loop(v, limit, step, body) {
    return [...op.i32(0), ...op.set(v), ...loopOn(v, limit, step, body)];
}
/** `for (; v < limit; v += step) body` (unsigned compare): the loop goes on from the value v has. */
function loopOn(v, limit, step, body) {
    return [
        ...op.block,
        ...op.loop,
        ...op.get(v),
        ...op.get(limit),
        ...op.ltU,
        ...op.eqz,
        ...op.brIf(1),
        ...body,
        ...op.get(v),
        ...op.i32(step),
        ...op.add,
        ...op.set(v),
        ...op.br(0),
        ...op.end,
        ...op.end,
    ];
}
/** Code for `value` clamped to [local lo, local hi] (value in local v). */
const clamped = (v, lo, hi) => [
    ...op.get(lo),
    ...op.get(v),
    ...op.get(v),
    ...op.get(lo),
    ...op.ltS,
    ...op.select,
    ...op.set(v),
    ...op.get(hi),
    ...op.get(v),
    ...op.get(v),
    ...op.get(hi),
    ...op.gtS,
    ...op.select,
];
/** Code loading the int32 at `base` + 4 `index` (both locals). */
const load32 = (base, index) => [
    ...op.get(base),
    ...op.get(index),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.load(0),
];
//# sourceMappingURL=assembler.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/conv-kernels.js

// Parameters, then locals: i32 (GEMM_I32S of them), then v128 (GEMM_V128S).
const [A, B, C, conv_kernels_ROWS, N, KP, LDC] = [0, 1, 2, 3, 4, 5, 6];
const [R, J, K, AROW0, AROW1, B0, CPTR0, CPTR1] = [7, 8, 9, 10, 11, 12, 16, 17];
const ACC0 = 18;
const ACC1 = 22;
const [X0, X1, WV, S01, S23] = [26, 27, 28, 29, 30];
const GEMM_I32S = 11;
const GEMM_V128S = 13;
/** i8x16.shuffle of the two vectors on the stack, picking 32-bit lanes (0-3: the first, 4-7: the second). */
const shuffle32 = (lanes) => op.shuffle(lanes.flatMap((l) => [4 * l, 4 * l + 1, 4 * l + 2, 4 * l + 3]));
/**
 * Code storing at the address on the stack the four lane sums of accumulators acc .. acc + 3 as one
 * vector: pairs of lanes added twice over by shuffles (integer sums, so the order does not matter).
 */
const storeLaneSums = (acc) => {
    const halves = (a, b) => [
        ...op.get(a),
        ...op.get(b),
        ...shuffle32([0, 1, 4, 5]),
        ...op.get(a),
        ...op.get(b),
        ...shuffle32([2, 3, 6, 7]),
        ...op.add32x4,
    ];
    return [
        ...halves(acc, acc + 1),
        ...op.set(S01),
        ...halves(acc + 2, acc + 3),
        ...op.set(S23),
        ...op.get(S01),
        ...op.get(S23),
        ...shuffle32([0, 2, 4, 6]),
        ...op.get(S01),
        ...op.get(S23),
        ...shuffle32([1, 3, 5, 7]),
        ...op.add32x4,
        ...op.v128store(0),
    ];
};
/**
 *   gemm(a, b, c, rows, n, kp, ldc): for r < rows, j < n (step 4):
 *     c[r ldc + j + q] = Σ_k a[r kp + k] b[(j + q) kp + k]      (int8 x int8 -> int32, q = 0..3)
 *
 * with a, b, c byte offsets into the imported memory, kp a multiple of 8 (rows zero-padded) and n a
 * multiple of 4. Eight terms at a time: v128.load8x8_s widens 8 int8 to int16 and i32x4.dot_i16x8_s
 * sums pairs of products into 4 int32 lanes (|product| <= 2^14, so nothing overflows below K = 2^17).
 * Two rows and four output columns at a time: each load of b serves both rows, each load of a four
 * columns. Rows go in pairs, so an odd `rows` reads row `rows` of a and writes row `rows` of c: both
 * must have room for it (Int8Gemm allocates an even number of rows).
 */
function gemmBody() {
    const inner = loop(K, KP, 8, [
        ...op.get(AROW0),
        ...op.get(K),
        ...op.add,
        ...op.load8x8s,
        ...op.set(X0),
        ...op.get(AROW1),
        ...op.get(K),
        ...op.add,
        ...op.load8x8s,
        ...op.set(X1),
        ...[0, 1, 2, 3].flatMap((q) => [
            ...op.get(B0 + q),
            ...op.get(K),
            ...op.add,
            ...op.load8x8s,
            ...op.set(WV),
            ...op.get(ACC0 + q),
            ...op.get(X0),
            ...op.get(WV),
            ...op.dot,
            ...op.add32x4,
            ...op.set(ACC0 + q),
            ...op.get(ACC1 + q),
            ...op.get(X1),
            ...op.get(WV),
            ...op.dot,
            ...op.add32x4,
            ...op.set(ACC1 + q),
        ]),
    ]);
    const column = [
        // b0 = b + j kp, b1..b3 the next rows
        ...op.get(B),
        ...op.get(J),
        ...op.get(KP),
        ...op.mul,
        ...op.add,
        ...op.set(B0),
        ...[1, 2, 3].flatMap((q) => [...op.get(B0 + q - 1), ...op.get(KP), ...op.add, ...op.set(B0 + q)]),
        ...[0, 1, 2, 3].flatMap((q) => [
            ...op.v128zero,
            ...op.set(ACC0 + q),
            ...op.v128zero,
            ...op.set(ACC1 + q),
        ]),
        ...inner,
        ...[CPTR0, CPTR1].flatMap((cptr, i) => [
            ...op.get(cptr),
            ...op.get(J),
            ...op.i32(2),
            ...op.shl,
            ...op.add,
            ...storeLaneSums(i ? ACC1 : ACC0),
        ]),
    ];
    const row = [
        ...op.get(A),
        ...op.get(R),
        ...op.get(KP),
        ...op.mul,
        ...op.add,
        ...op.set(AROW0),
        ...op.get(AROW0),
        ...op.get(KP),
        ...op.add,
        ...op.set(AROW1),
        ...op.get(C),
        ...op.get(R),
        ...op.get(LDC),
        ...op.mul,
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.set(CPTR0),
        ...op.get(CPTR0),
        ...op.get(LDC),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.set(CPTR1),
        ...loop(J, N, 4, column),
    ];
    return loop(R, conv_kernels_ROWS, 2, row);
}
// dwconv's parameters and locals.
const [DX, DBASES, DNPIX, DTAPS, DNTAPS, DW, DC, DCP] = [0, 1, 2, 3, 4, 5, 6, 7];
const [DP, DCH, DT, DXBASE, DCOUT] = [8, 9, 10, 11, 12];
const [DLO, DHI, DXV] = [13, 14, 15];
/**
 * dwconv(x, bases, npix, taps, ntaps, w, c, cp): for each pixel p and channel group ch (step 8),
 * c[p cp + ch + l] = Σ_t x[bases[p] + taps[t] + ch + l] w[t cp + ch + l], l = 0..7 (int32 lanes from
 * i32x4.extmul of int16-widened int8). bases and taps are int32 arrays of byte offsets into x.
 */
function dwBody() {
    const tap = loop(DT, DNTAPS, 1, [
        ...op.get(DXBASE),
        ...op.get(DTAPS),
        ...op.get(DT),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.load(0),
        ...op.add,
        ...op.get(DCH),
        ...op.add,
        ...op.load8x8s,
        ...op.set(DXV),
        ...op.get(DLO),
        ...op.get(DXV),
        ...op.get(DW),
        ...op.get(DT),
        ...op.get(DCP),
        ...op.mul,
        ...op.add,
        ...op.get(DCH),
        ...op.add,
        ...op.load8x8s,
        ...op.extmulLow,
        ...op.add32x4,
        ...op.set(DLO),
        ...op.get(DHI),
        ...op.get(DXV),
        ...op.get(DW),
        ...op.get(DT),
        ...op.get(DCP),
        ...op.mul,
        ...op.add,
        ...op.get(DCH),
        ...op.add,
        ...op.load8x8s,
        ...op.extmulHigh,
        ...op.add32x4,
        ...op.set(DHI),
    ]);
    const group = [
        ...op.v128zero,
        ...op.set(DLO),
        ...op.v128zero,
        ...op.set(DHI),
        ...tap,
        ...op.get(DCOUT),
        ...op.get(DCH),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.get(DLO),
        ...op.v128store(0),
        ...op.get(DCOUT),
        ...op.get(DCH),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.get(DHI),
        ...op.v128store(16),
    ];
    const pixel = [
        ...op.get(DX),
        ...op.get(DBASES),
        ...op.get(DP),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.load(0),
        ...op.add,
        ...op.set(DXBASE),
        ...op.get(DC),
        ...op.get(DP),
        ...op.get(DCP),
        ...op.mul,
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.set(DCOUT),
        ...loop(DCH, DCP, 8, group),
    ];
    return loop(DP, DNPIX, 1, pixel);
}
//# sourceMappingURL=conv-kernels.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/requant-kernels.js

// requant's parameters and locals.
const [QC, QROWS, QN, QADD, QSCALE, QZO, QLO, QHI, QOUT, QOUTROW] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [QR, QJ, QCPTR, QOPTR] = [10, 11, 12, 13];
const [QV, QZOV, QLOV, QHIV] = [14, 15, 16, 17];
/** Code loading the four int32 (or float32) at `base` + 4 j. */
const load4 = (base, j) => [
    ...op.get(base),
    ...op.get(j),
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.v128load(0),
];
/** Code clamping the four int32 on the stack to [lo, hi] (splatted locals) and storing them as 4 bytes at optr + j. */
const clampStore4 = (lo, hi, v, optr, j) => [
    ...op.get(lo),
    ...op.max32,
    ...op.get(hi),
    ...op.min32,
    ...op.set(v),
    ...op.get(optr),
    ...op.get(j),
    ...op.add,
    ...op.get(v),
    ...op.get(v),
    ...op.narrow16,
    ...op.set(v),
    ...op.get(v),
    ...op.get(v),
    ...op.narrow8,
    ...op.store32Lane(0),
];
/** For r < rows: cptr = c + 4 r n, optr = out + r outRow, then `group` for j = 0, 4, ... < count. */
const rowsOf4 = (l, rows, group) => loop(l.r, rows, 1, [
    ...op.get(l.c),
    ...op.get(l.r),
    ...op.get(l.n),
    ...op.mul,
    ...op.i32(2),
    ...op.shl,
    ...op.add,
    ...op.set(l.cptr),
    ...op.get(l.out),
    ...op.get(l.r),
    ...op.get(l.outRow),
    ...op.mul,
    ...op.add,
    ...op.set(l.optr),
    ...loop(l.j, l.count, 4, group),
]);
/** Code setting local `to` to local `from` splatted to four int32 lanes. */
const splat = (from, to) => [...op.get(from), ...op.splat32, ...op.set(to)];
/**
 * requant(c, rows, n, add, scale, zo, lo, hi, out, outRow): XNNPACK's fp32 requantization of int32
 * accumulators, four channels at a time: out[r outRow + j] = clamp(nearest_even(f32(c[r n + j] + add[j])
 * * scale[j]) + zo, lo, hi), with f32 the float32 conversion and product (scale a float32 array). Each
 * 4-channel step stores 4 bytes, so a row may spill up to n - channels bytes into the next (rewritten
 * by it) and the last into 8 spare bytes after `out`.
 */
function requantBody() {
    const group = [
        ...load4(QCPTR, QJ),
        ...load4(QADD, QJ),
        ...op.add32x4,
        ...op.f32Convert,
        ...load4(QSCALE, QJ),
        ...op.f32Mul,
        ...op.f32Nearest,
        ...op.truncSat,
        ...op.get(QZOV),
        ...op.add32x4,
        ...clampStore4(QLOV, QHIV, QV, QOPTR, QJ),
    ];
    const rows = {
        c: QC,
        r: QR,
        n: QN,
        cptr: QCPTR,
        out: QOUT,
        outRow: QOUTROW,
        optr: QOPTR,
        j: QJ,
        count: QN,
    };
    return [...splat(QZO, QZOV), ...splat(QLO, QLOV), ...splat(QHI, QHIV), ...rowsOf4(rows, QROWS, group)];
}
/**
 * A per-channel scalar requantization over rows: for r < rows, j < C, t = c[r n + j] + pre[j] and
 * out[r C + j] = clamp(rescale(t, j), lo, hi), one byte each. Parameters: c, rows, n, pre, lo, hi, out,
 * C, then `extra` parameters for `rescale`; locals after them: r, j, t (the rescaled value), row pointer.
 */
function scalarRequant(extra, rescale) {
    const [c, rows, n, pre, lo, hi, out, C] = [0, 1, 2, 3, 4, 5, 6, 7];
    const first = 8 + extra;
    const [r, j, t, row] = [first, first + 1, first + 2, first + 3];
    const channel = [
        ...op.get(row),
        ...op.get(j),
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.load(0),
        ...load32(pre, j),
        ...op.add,
        ...op.set(t),
        ...rescale(t, j),
        ...op.set(t),
        ...op.get(out),
        ...op.get(r),
        ...op.get(C),
        ...op.mul,
        ...op.add,
        ...op.get(j),
        ...op.add,
        ...clamped(t, lo, hi),
        ...op.store8,
    ];
    const body = [
        ...op.get(c),
        ...op.get(r),
        ...op.get(n),
        ...op.mul,
        ...op.i32(2),
        ...op.shl,
        ...op.add,
        ...op.set(row),
        ...loop(j, C, 1, channel),
    ];
    return loop(r, rows, 1, body);
}
// requantShift's parameters and locals.
const [SC, SROWS, SN, SPRE, SLO, SHI, SOUT, SCH, SSCALE, SPOST] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
const [SR, SJ, SCPTR, SOPTR] = [10, 11, 12, 13];
const [SV, SLOV, SHIV, ST] = [14, 15, 16, 17];
/** Code for floor(lanes l, l + 1 of local v, as float64, times the two float64 at `scale` + 4 j + 16 l / 2). */
const floorHalf = (v, high) => [
    ...op.get(v),
    ...(high
        ? [...op.get(v), ...op.shuffle([8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15])]
        : []),
    ...op.f64ConvertLow,
    ...op.get(SSCALE),
    ...op.get(SJ),
    ...op.i32(3),
    ...op.shl,
    ...op.add,
    ...op.v128load(high ? 16 : 0),
    ...op.f64Mul,
    ...op.f64Floor,
    ...op.truncSatF64Zero,
];
/**
 * requantShift(c, rows, n, pre, lo, hi, out, C, scale, post): pow2, out[r C + j] = clamp((t >> k[j]) +
 * post[j], lo, hi) with t = c[r n + j] + pre[j] (int32, wrapping), pre holding bias, rounding half and
 * zero-point terms, four channels at a time. WebAssembly has no per-lane shift: t >> k is floor(t 2^-k)
 * in float64 (`scale` holds 2^-k[j] as float64; t 2^-k and its floor are exact for int32 t and k in
 * [0, 31]). Tables have C rounded up to 4 entries; as requant, a row spills up to 3 bytes into the next
 * and the last into 8 spare bytes after `out`.
 */
function shiftBody() {
    const group = [
        ...load4(SCPTR, SJ),
        ...load4(SPRE, SJ),
        ...op.add32x4,
        ...op.set(ST),
        ...floorHalf(ST, false),
        ...floorHalf(ST, true),
        ...op.shuffle([0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23]),
        ...load4(SPOST, SJ),
        ...op.add32x4,
        ...clampStore4(SLOV, SHIV, SV, SOPTR, SJ),
    ];
    const rows = { c: SC, r: SR, n: SN, cptr: SCPTR, out: SOUT, outRow: SCH, optr: SOPTR, j: SJ, count: SCH };
    return [...splat(SLO, SLOV), ...splat(SHI, SHIV), ...rowsOf4(rows, SROWS, group)];
}
/**
 * requantFixed(c, rows, n, pre, lo, hi, out, C, mult, left, right, zo): TFLite's reference rescale,
 * RoundingDivideByPOT(SaturatingRoundingDoublingHighMul(t 2^left[j], mult[j]), right[j]) + zo, the high
 * multiply in int64: (t m + nudge) / 2^31 truncated, nudge 2^30 or 1 - 2^30 by the product's sign.
 */
function fixedBody() {
    const [mult, left, right, zo] = [8, 9, 10, 11];
    // Scratch locals after the four scalarRequant uses: product (i64), mask, high.
    const [prod, mask, high] = [16, 17, 18];
    return scalarRequant(4, (t, j) => [
        ...op.get(t),
        ...load32(left, j),
        ...op.shl,
        ...op.extend64,
        ...load32(mult, j),
        ...op.extend64,
        ...op.mul64,
        ...op.tee(prod),
        ...op.i64(1 << 30),
        ...op.i64(1 - (1 << 30)),
        ...op.get(prod),
        ...op.i64(0),
        ...op.geS64,
        ...op.select,
        ...op.add64,
        ...op.i64(2 ** 31),
        ...op.div64,
        ...op.wrap32,
        ...op.set(high),
        ...op.i32(1),
        ...load32(right, j),
        ...op.shl,
        ...op.i32(1),
        ...op.sub,
        ...op.set(mask),
        // (high >> right) + ((high & mask) > (mask >> 1) + (high < 0))
        ...op.get(high),
        ...load32(right, j),
        ...op.shrS,
        ...op.get(high),
        ...op.get(mask),
        ...op.and,
        ...op.get(mask),
        ...op.i32(1),
        ...op.shrS,
        ...op.get(high),
        ...op.i32(0),
        ...op.ltS,
        ...op.add,
        ...op.gtS,
        ...op.add,
        ...op.get(zo),
        ...op.add,
    ]);
}
//# sourceMappingURL=requant-kernels.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/int8-module.js
/**
 * The int8 kernels as one WebAssembly module, written with the small assembler in assembler.ts (the
 * project has no WebAssembly toolchain): gemm and dwconv (conv-kernels.ts); requant, requantShift and
 * requantFixed (requant-kernels.ts). The memory is imported as env.memory (arena.ts owns it).
 */



/** The module's bytes: imports env.memory, exports the functions above by name. */
function int8ModuleBytes() {
    const type = (params) => [0x60, ...vec(new Array(params).fill([I32])), ...vec([])];
    const fn = (i32s, v128s, code) => [
        ...vec([
            [...uleb(i32s), I32],
            [...uleb(v128s), V128],
        ]),
        ...code,
        ...op.end,
    ];
    const locals = (groups, code) => [
        ...vec(groups.map(([count, t]) => [...uleb(count), t])),
        ...code,
        ...op.end,
    ];
    const functions = [
        { name: 'gemm', params: 7, code: fn(GEMM_I32S, GEMM_V128S, gemmBody()) },
        { name: 'dwconv', params: 8, code: fn(5, 3, dwBody()) },
        { name: 'requant', params: 10, code: fn(4, 4, requantBody()) },
        { name: 'requantShift', params: 10, code: fn(4, 4, shiftBody()) },
        {
            name: 'requantFixed',
            params: 12,
            code: locals([
                [4, I32],
                [1, I64],
                [2, I32],
            ], fixedBody()),
        },
    ];
    return Uint8Array.from([
        ...[0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00],
        ...section(1, vec(functions.map((f) => type(f.params)))),
        ...section(2, vec([[...assembler_name('env'), ...assembler_name('memory'), 0x02, 0x00, ...uleb(1)]])),
        ...section(3, vec(functions.map((_, i) => uleb(i)))),
        ...section(7, vec(functions.map((f, i) => [...assembler_name(f.name), 0x00, ...uleb(i)]))),
        ...section(10, vec(functions.map((f) => [...uleb(f.code.length), ...f.code]))),
    ]);
}
//# sourceMappingURL=int8-module.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/wasm/arena.js


/**
 * The scratch of one step of a conv, FC or depthwise conv, at most (WasmArena.tileRows): its kernels run
 * on tiles of output rows, so that the im2col rows and int32 accumulators of a whole image are never held
 * (PP-OCRv4 det at 640x640: 21 MiB of im2col and 12.5 MiB of accumulators per executor). Tiles of
 * 256 KiB keep A and C in the core's L2 cache between the GEMM and the rescale that reads C back.
 */
const TILE_BYTES = 256 * 1024;
let compiled;
/** The int8 kernels' module, compiled once per process; null where WebAssembly SIMD is unavailable. */
function gemmModule() {
    if (compiled === undefined) {
        const bytes = int8ModuleBytes();
        compiled = webAssembly?.validate(bytes) ? new webAssembly.Module(bytes) : null;
    }
    return compiled;
}
/** A block of the arena's memory; its views follow the memory when it grows. */
class Region {
    memory;
    offset;
    bytes;
    buffer;
    i8;
    i32;
    constructor(memory, offset, bytes) {
        this.memory = memory;
        this.offset = offset;
        this.bytes = bytes;
    }
    int8() {
        this.refresh();
        return this.i8;
    }
    int32() {
        this.refresh();
        return this.i32;
    }
    float32() {
        return new Float32Array(this.memory.buffer, this.offset, this.bytes >> 2);
    }
    float64() {
        return new Float64Array(this.memory.buffer, this.offset, this.bytes >> 3);
    }
    refresh() {
        if (this.buffer === this.memory.buffer)
            return;
        this.buffer = this.memory.buffer;
        this.i8 = new Int8Array(this.buffer, this.offset, this.bytes);
        this.i32 = new Int32Array(this.buffer, this.offset, this.bytes >> 2);
    }
}
/** The arena's shared scratch block (WasmArena.scratch): where it lies once the plan has placed it. */
class Scratch {
    region;
    bytes = 0;
    int8() {
        return this.placed().int8();
    }
    get offset() {
        return this.placed().offset;
    }
    int32() {
        return this.placed().int32();
    }
    placed() {
        if (!this.region)
            throw new Error('integer executor: the WebAssembly scratch was used before it was placed');
        return this.region;
    }
}
/**
 * One plan's WebAssembly memory: kernels allocate their weights, inputs and accumulators here while they
 * prepare, and call the int8 kernels (int8-module.ts) on them while they run.
 */
class WasmArena {
    tileBytes;
    memory;
    gemm;
    dwconv;
    requant;
    requantShift;
    requantFixed;
    top = 0;
    constructor(
    /** The most bytes of scratch a tile of rows takes (see `tileRows`). */
    tileBytes, memory, gemm, dwconv, requant, requantShift, requantFixed) {
        this.tileBytes = tileBytes;
        this.memory = memory;
        this.gemm = gemm;
        this.dwconv = dwconv;
        this.requant = requant;
        this.requantShift = requantShift;
        this.requantFixed = requantFixed;
    }
    /** An arena, or undefined where WebAssembly SIMD is unavailable (kernels then use their JS loops). */
    static create(tileBytes = TILE_BYTES) {
        const module = gemmModule();
        if (!module || !webAssembly)
            return undefined;
        const memory = new webAssembly.Memory({ initial: 1 });
        const instance = new webAssembly.Instance(module, { env: { memory } });
        const e = instance.exports;
        return new WasmArena(tileBytes, memory, e.gemm, e.dwconv, e.requant, e.requantShift, e.requantFixed);
    }
    /**
     * Scratch that a kernel writes and reads back within one of its runs: one block per use (see
     * ScratchUse), as large as the largest request, shared by every kernel of the plan, placed by
     * `commitScratch` once they all have asked. A private pair of accumulators and rows per conv was half
     * of PP-OCRv4 det's arena at 640x640 (185 MiB); private inputs (each GEMM's A, each depthwise conv's
     * image and accumulators) were 100 of the 117 MiB left, and each conv's padded image 16 MB more in JS.
     */
    scratch(bytes, use) {
        const s = this.shared[use];
        s.bytes = Math.max(s.bytes, bytes);
        return s;
    }
    /**
     * Rows a kernel computes per step when each takes `rowBytes` of scratch (a GEMM's im2col row, its int32
     * accumulators): as many as fit `tileBytes`, a multiple of `unit` (at least one unit), at most `rows`.
     */
    tileRows(rows, rowBytes, unit = 1) {
        const units = Math.max(1, Math.floor(this.tileBytes / (rowBytes * unit)));
        return Math.min(rows, units * unit);
    }
    /** Places the shared scratch (after every kernel of the plan has prepared, before any runs). */
    commitScratch() {
        for (const s of Object.values(this.shared))
            if (s.bytes > 0 && !s.region)
                s.region = this.alloc(s.bytes);
    }
    shared = {
        image: new Scratch(),
        inputs: new Scratch(),
        accumulators: new Scratch(),
        rows: new Scratch(),
    };
    /** Bytes allocated (weights, tables, and the shared scratch once placed). */
    get bytes() {
        return this.top;
    }
    /** `bytes` bytes, 16-aligned, zero-filled. */
    alloc(bytes) {
        const offset = this.top;
        this.top += Math.ceil(bytes / 16) * 16;
        const missing = this.top - this.memory.buffer.byteLength;
        // By half again at least: each grow copies the whole memory here (V8), and PP-OCRv4 det at 640x640
        // allocated its 185 MiB in 145 grows (0.3-0.5 s of its setup). The pages past `top` are never
        // touched, so they cost address space, not memory.
        const pages = this.memory.buffer.byteLength / 65536;
        if (missing > 0)
            this.memory.grow(Math.max(Math.ceil(missing / 65536), Math.ceil(pages / 2)));
        return new Region(this.memory, offset, bytes);
    }
}
//# sourceMappingURL=arena.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/lookup-chains.js
const IDENTITY = Int8Array.from({ length: 256 }, (_, i) => i - 128);
/**
 * The values that a chain of table steps makes from one int8 source, by name. A value is derived when its
 * step is a table of one int8 value (derived or not), a pair table of two int8 values derived from the
 * same source, or a function of each element of a derived value (a float island's DEQUANTIZE, QUANTIZE).
 */
function deriveChains(steps) {
    const derived = new Map();
    const int8 = (name) => {
        const d = derived.get(name) ?? { source: name, table: IDENTITY };
        return d.table instanceof Int8Array ? { source: d.source, table: d.table } : undefined;
    };
    for (const { inputs, outputs, kernel } of steps) {
        const lookup = kernel.lookup;
        if (!lookup || outputs.length !== 1)
            continue;
        let d;
        if ('unary' in lookup) {
            const x = int8(inputs[lookup.input]);
            const unary = lookup.unary;
            if (x)
                d = { source: x.source, table: unary.map((_, i) => unary[x.table[i] + 128]) };
        }
        else if ('element' in lookup) {
            const x = derived.get(inputs[lookup.input]);
            if (x)
                d = { source: x.source, table: Int8Array.from(x.table, lookup.element) };
        }
        else {
            const [a, b] = [int8(inputs[0]), int8(inputs[1])];
            if (a && b && a.source === b.source) {
                const table = new Int8Array(256);
                for (let i = 0; i < 256; i++)
                    table[i] = lookup.pair[((a.table[i] + 128) << 8) | (b.table[i] + 128)];
                d = { source: a.source, table };
            }
        }
        if (d)
            derived.set(outputs[0], d);
    }
    return derived;
}
/** The kernel of a derived value: its chain's table applied to the chain's source. */
function chainKernel(d, shape) {
    const table = d.table;
    if (table instanceof Float32Array)
        return {
            outputs: [{ dtype: 'float32', shape }],
            run([input], [output]) {
                const [src, dst] = [input, output];
                for (let i = 0; i < dst.length; i++)
                    dst[i] = table[src[i] + 128];
            },
        };
    return {
        outputs: [{ dtype: 'int8', shape }],
        run([input], [output]) {
            const [src, dst] = [input, output];
            for (let i = 0; i < dst.length; i++)
                dst[i] = table[src[i] + 128];
        },
    };
}
//# sourceMappingURL=lookup-chains.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/buffer-plan.js
/**
 * Where a plan's values live while it runs (its graph inputs and node outputs; constants keep their own
 * arrays): views into one ArrayBuffer, each at an offset no value alive at the same time overlaps. A value
 * is alive from the step that makes it (graph inputs: before the first) to the last step that reads it or
 * a view of it (a reshape's output); graph outputs to the end. TFLite's arena planner does the same
 * ("greedy by size": the largest first, each at the lowest offset that is free over its whole lifetime).
 * Lifetimes are inclusive, so a step's outputs never overlap its inputs: no step writes what it reads.
 *
 * PP-OCRv4 det at 640x640: 41 MB of maps, where buffers were reused only by a later value of the same type
 * and length, against 10 MB alive at once at most.
 */


/** Offsets are multiples of this: every typed array's element size, and a SIMD vector's. */
const ALIGN = 16;
/** Each value's offset (in the order given) and the bytes they take together. */
function placeBuffers(values) {
    const offsets = new Array(values.length).fill(0);
    const order = values
        .map((v, i) => ({ ...v, i, size: Math.ceil(v.bytes / ALIGN) * ALIGN }))
        .sort((a, b) => b.size - a.size || a.first - b.first || a.i - b.i);
    const placed = [];
    let bytes = 0;
    for (const v of order) {
        const overlapping = placed
            .filter((p) => p.first <= v.last && v.first <= p.last)
            .sort((a, b) => a.offset - b.offset);
        let offset = 0;
        for (const p of overlapping) {
            if (p.offset >= offset + v.size)
                break;
            offset = Math.max(offset, p.end);
        }
        offsets[v.i] = offset;
        placed.push({ offset, end: offset + v.size, first: v.first, last: v.last });
        bytes = Math.max(bytes, offset + v.size);
    }
    return { offsets, bytes };
}
/**
 * The bytes the integer executor's values would take on `g` at its declared shapes (an unknown dimension:
 * 1), without preparing its kernels: placeBuffers over the graph's order, every node output its own value
 * (a reshape's view counted as a copy), graph outputs alive to the end. PP-OCRv4 det pow2 at 640x640:
 * 10.1 MiB (the affine file, with its int16 early stages, 31 MiB).
 */
function valueBytes(g) {
    const order = topoSort(g);
    const lastRead = new Map();
    order.forEach((node, i) => node.inputs.forEach((name) => name && lastRead.set(name, i)));
    for (const v of g.outputs)
        lastRead.set(v.name, Infinity);
    const values = [];
    const add = (name, first) => {
        const t = g.typeOf(name);
        if (t?.kind !== 'tensor')
            return;
        const count = (t.shape ?? []).reduce((n, d) => n * (typeof d === 'number' && d > 0 ? d : 1), 1);
        values.push({
            bytes: byteLength(t.dtype, count),
            first,
            last: Math.max(first, lastRead.get(name) ?? -1),
        });
    };
    for (const v of g.runtimeInputs())
        add(v.name, -1);
    order.forEach((node, i) => node.outputs.forEach((name) => name && add(name, i)));
    return placeBuffers(values).bytes;
}
//# sourceMappingURL=buffer-plan.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/executor.js
/**
 * Runs a quantized tflite-domain graph (the TFLite importer's or the converter's IR) with integer
 * arithmetic: int8 tensors in typed arrays, int32 accumulators, the rescaling of the chosen scheme. A
 * plan (kernels bound to shapes, every buffer allocated) is made once per set of input shapes; `run`
 * then only copies the feeds in and the outputs out.
 */








const executor_ARRAY_OF = {
    int8: Int8Array,
    uint8: Uint8Array,
    int16: Int16Array,
    int32: Int32Array,
    float32: Float32Array,
    int64: BigInt64Array,
};
function createIntegerExecutor(model, opts = {}) {
    const g = model.graph;
    const arithmetic = resolveArithmetic(model, opts);
    const order = topoSort(g);
    for (const node of order) {
        if (node.domain !== 'tflite' || !INTEGER_KERNELS.has(node.opType)) {
            throw new errors_UnsupportedOpError(node.name, node.opType, [...INTEGER_KERNELS.keys()], 'by the integer executor');
        }
    }
    const inputs = g.runtimeInputs();
    const declared = Object.fromEntries(inputs.map((v) => [v.name, declaredShape(v)]));
    const plans = new Map();
    const planFor = (shapes) => {
        const key = JSON.stringify(inputs.map((v) => shapes[v.name]));
        let plan = plans.get(key);
        if (!plan)
            plans.set(key, (plan = buildPlan(g, order, arithmetic, shapes, opts)));
        return plan;
    };
    planFor(declared);
    return {
        arithmetic,
        inputNames: inputs.map((v) => v.name),
        outputNames: g.outputs.map((v) => v.name),
        get wasmBytes() {
            return [...plans.values()].reduce((n, p) => n + p.wasmBytes, 0);
        },
        get bufferBytes() {
            return [...plans.values()].reduce((n, p) => n + p.bufferBytes, 0);
        },
        run(feeds) {
            const shapes = {};
            for (const v of inputs) {
                const feed = feeds[v.name];
                if (!feed)
                    throw new RangeError(`integer executor: no feed for input '${v.name}'`);
                shapes[v.name] = [...feed.dims];
            }
            const plan = planFor(shapes);
            for (const v of inputs)
                copyFeed(v.name, feeds[v.name], plan);
            for (const step of plan.steps)
                step.kernel.run(step.inputs, step.outputs);
            const result = {};
            for (const v of g.outputs)
                result[v.name] = outputTensor(plan, v.name);
            return result;
        },
    };
}
function declaredShape(v) {
    const shape = v.type?.kind === 'tensor' ? (v.type.shape ?? []) : [];
    return shape.map((d) => (typeof d === 'number' && d > 0 ? d : 1));
}
function buildPlan(g, order, arith, shapes, opts) {
    const values = new Map();
    const buffers = new Map();
    for (const [name, t] of g.initializers) {
        const data = t.data;
        values.set(name, { name, dtype: t.dtype, shape: [...t.dims], q: t.quant, data });
        buffers.set(name, data);
    }
    for (const v of g.runtimeInputs()) {
        const dtype = v.type?.kind === 'tensor' ? v.type.dtype : 'float32';
        values.set(v.name, { name: v.name, dtype, shape: shapes[v.name], q: v.quant });
    }
    let arena = null;
    const arenaOf = () => arena === null ? (arena = opts.wasm !== false ? WasmArena.create(opts.tileBytes) : undefined) : arena;
    const prepared = [];
    for (const node of order) {
        const metas = node.inputs.map((name) => (name ? values.get(name) : undefined) ?? emptyMeta(name, node.name));
        const outputs = node.outputs.map((name) => outputSpec(g, name));
        const cx = { node, arith, inputs: metas, outputs, arena: arenaOf };
        const kernel = INTEGER_KERNELS.get(node.opType).prepare(cx);
        kernel.outputs.forEach((out, i) => {
            const spec = outputs[i];
            if (spec.dtype && spec.dtype !== out.dtype)
                throw new Error(`integer executor: node '${node.name}' makes ${out.dtype} where the graph declares ${spec.dtype}`);
            const q = spec.q ?? (out.dtype === metas[0]?.dtype ? metas[0]?.q : undefined);
            values.set(spec.name, { name: spec.name, dtype: out.dtype, shape: out.shape, q });
        });
        prepared.push({ inputs: node.inputs, outputs: node.outputs, kernel });
    }
    const planned = chainSteps(prepared, g.outputs, values);
    const bufferBytes = placeValues(g, planned, values, buffers);
    const steps = planned.map(({ inputs, outputs, kernel }) => {
        const read = (name) => (name ? buffers.get(name) : new Int8Array(0));
        return { kernel, inputs: inputs.map(read), outputs: outputs.map(read) };
    });
    const wasmArena = arena;
    wasmArena?.commitScratch();
    return { steps, values, buffers, wasmBytes: wasmArena?.bytes ?? 0, bufferBytes };
}
/**
 * The steps to run: a value that a chain of table steps derives from one source (lookup-chains.ts) is made
 * by one table from that source, and only when a graph output or another step reads it; the other steps
 * as prepared. The same int8 in every value that is read.
 */
function chainSteps(prepared, outputs, values) {
    const derived = deriveChains(prepared);
    const read = new Set(outputs.map((v) => v.name));
    const kept = [];
    for (let i = prepared.length - 1; i >= 0; i--) {
        const step = prepared[i];
        const d = step.outputs.length === 1 ? derived.get(step.outputs[0]) : undefined;
        if (!d) {
            kept.push(step);
            for (const name of step.inputs)
                read.add(name);
        }
        else if (read.has(step.outputs[0])) {
            const kernel = chainKernel(d, values.get(step.outputs[0]).shape);
            kept.push({ inputs: [d.source], outputs: step.outputs, kernel });
            read.add(d.source);
        }
    }
    return kept.reverse();
}
function emptyMeta(name, node) {
    if (name)
        throw new Error(`integer executor: node '${node}' reads '${name}', which nothing produces`);
    return { name: '', dtype: 'int8', shape: [] };
}
function outputSpec(g, name) {
    const type = g.typeOf(name);
    const spec = { name, q: g.quantOf(name) };
    if (type?.kind === 'tensor') {
        spec.dtype = type.dtype;
        if (type.shape?.every((d) => typeof d === 'number'))
            spec.shape = type.shape;
    }
    return spec;
}
/**
 * The graph inputs' and node outputs' buffers (buffer-plan.ts): views into one ArrayBuffer, a value's
 * view shared by the reshapes that view it (PreparedOutput.aliasOfInput). PP-OCRv4 det at 640x640 held
 * every map of the graph at once (117 MB of int8 per executor, touched for the first time in its first
 * run), then 41 MB where only a value of the same type and length took a dead one's buffer; 10 MB now.
 * Returns the ArrayBuffer's size.
 */
function placeValues(g, planned, values, buffers) {
    const lastRead = new Map();
    planned.forEach((step, i) => step.inputs.forEach((name) => name && lastRead.set(name, i)));
    for (const v of g.outputs)
        lastRead.set(v.name, Infinity);
    const owners = [];
    const owner = new Map();
    const own = (name, first) => {
        const meta = values.get(name);
        const length = meta.shape.reduce((a, b) => a * b, 1);
        if (!executor_ARRAY_OF[meta.dtype])
            throw new TypeError(`integer executor: value '${name}' is ${meta.dtype}, which it does not hold`);
        const bytes = length * executor_ARRAY_OF[meta.dtype].BYTES_PER_ELEMENT;
        const v = { name, bytes, first, last: Math.max(first, lastRead.get(name) ?? -1) };
        owners.push(v);
        owner.set(name, v);
    };
    for (const v of g.runtimeInputs())
        own(v.name, -1);
    const viewed = new Map();
    planned.forEach(({ inputs, outputs, kernel }, i) => kernel.outputs.forEach((out, j) => {
        const name = outputs[j];
        if (!out.aliasOfInput)
            return own(name, i);
        // A view of input 0, or of what that views: its owner lives until the view's last reader too (a
        // constant's view keeps the constant's array).
        const source = viewed.get(inputs[0]) ?? inputs[0];
        viewed.set(name, source);
        const o = owner.get(source);
        if (o)
            o.last = Math.max(o.last, lastRead.get(name) ?? -1);
    }));
    const { offsets, bytes } = placeBuffers(owners);
    const memory = new ArrayBuffer(bytes);
    owners.forEach((v, i) => {
        const meta = values.get(v.name);
        const Ctor = executor_ARRAY_OF[meta.dtype];
        buffers.set(v.name, new Ctor(memory, offsets[i], v.bytes / Ctor.BYTES_PER_ELEMENT));
    });
    for (const [name, source] of viewed)
        buffers.set(name, buffers.get(source));
    return bytes;
}
function copyFeed(name, feed, plan) {
    const meta = plan.values.get(name);
    const buffer = plan.buffers.get(name);
    if (feed.dtype === meta.dtype) {
        buffer.set(feed.data);
    }
    else if ((meta.dtype === 'int32' || meta.dtype === 'int64') &&
        (feed.dtype === 'int32' || feed.dtype === 'int64')) {
        const src = feed.data;
        if (buffer instanceof BigInt64Array)
            for (let i = 0; i < src.length; i++)
                buffer[i] = BigInt(src[i]);
        else
            for (let i = 0; i < src.length; i++)
                buffer[i] = Number(src[i]);
    }
    else {
        throw new TypeError(`integer executor: input '${name}' is ${meta.dtype}, the feed is ${feed.dtype}`);
    }
}
function outputTensor(plan, name) {
    const meta = plan.values.get(name);
    const t = new tensor_Tensor(meta.dtype, meta.shape, plan.buffers.get(name).slice());
    t.quant = meta.q;
    return t;
}
//# sourceMappingURL=executor.js.map
;// CONCATENATED MODULE: ./lib/runtime/integer/index.js



//# sourceMappingURL=index.js.map
;// CONCATENATED MODULE: ./lib/quant/tflite/calibrate.js


/**
 * The float TFLite model in LiteRT with each of `tensors` made an extra subgraph output: calibration's
 * probe for a TFLite-domain model (quant/calibrate.ts calibrateStats streams the samples through it).
 */
async function tfliteProbe(model, tensors) {
    // Errors name the user's file: the probe is that model, rewritten with more outputs.
    const file = model.extra?.tflite?.file ?? 'calibration model';
    const runner = await loadTflite(exportTflite(probeModel(model, tensors)), file);
    const inputs = model.graph.inputs.map((v) => v.name);
    const outputs = [...model.graph.outputs.map((v) => v.name), ...tensors.filter((t) => !isIo(model, t))];
    return {
        inputs: new Set(inputs),
        async run(feeds) {
            const result = await runner.run(runnerFeeds(runner, inputs, feeds));
            return runner.outputs.flatMap((port, i) => {
                const out = result[port.name];
                return out?.data instanceof Float32Array ? [[outputs[i], out.data, out.shape]] : [];
            });
        },
        close: () => runner.close(),
    };
}
const isIo = (model, name) => model.graph.inputs.some((v) => v.name === name) || model.graph.outputs.some((v) => v.name === name);
/**
 * The float model with every tensor in `tensors` appended to the subgraph outputs. Signatures go: with
 * none, LiteRT exposes the subgraph's inputs and outputs in order, which is how results are matched.
 */
function probeModel(model, tensors) {
    const g = model.graph.clone();
    for (const name of tensors) {
        if (isIo(model, name))
            continue;
        const info = g.valueInfo.get(name) ?? { name, type: g.typeOf(name) };
        g.outputs.push(info);
        g.valueInfo.delete(name);
    }
    const kept = model.extra?.tflite;
    const extra = { ...kept, metadata: [], metadataBuffers: [], signatureDefs: [] };
    return { ...model, graph: g, extra: { ...model.extra, tflite: extra } };
}
const ARRAYS = {
    float32: (t) => t.toFloat32(),
    int32: (t) => Int32Array.from(t.toNumbers()),
    int64: (t) => BigInt64Array.from(t.toNumbers(), (v) => BigInt(v)),
    uint8: (t) => Uint8Array.from(t.toNumbers()),
    int8: (t) => Int8Array.from(t.toNumbers()),
    int16: (t) => Int16Array.from(t.toNumbers()),
    bool: (t) => Uint8Array.from(t.toNumbers()),
};
/** Feeds in the runner's input order, each as the typed array its port takes. */
function runnerFeeds(runner, inputs, feeds) {
    return runner.inputs.map((port, i) => {
        const t = feeds[inputs[i]];
        if (!t)
            throw new RangeError(`calibration sample has no data for input '${inputs[i]}'`);
        const convert = ARRAYS[port.dtype];
        if (!convert)
            throw new TypeError(`input '${inputs[i]}' is ${port.dtype}, which samples cannot feed`);
        return convert(t);
    });
}
//# sourceMappingURL=calibrate.js.map
;// CONCATENATED MODULE: ./lib/eval/evaluate-tflite.js







async function tfliteCandidate(tflite, layout, target = { kind: 'litert' }, file = 'quantized.tflite') {
    // Read once: the device executes this model; its edges and shapes are read off its graph.
    const model = importTflite(tflite, file);
    const plain = target.kind === 'litert' ? await litertRunner(tflite, file) : deviceRunner(model, target);
    const edged = integerEdges(plain, model.graph, target.kind === 'litert' ? 'even' : 'away');
    const runner = { ...edged, valueBytes: valueBytes(model.graph) };
    if (typeof layout !== 'string')
        return { ...runner, nhwc: layout.size > 0, stored: layout };
    return { ...runner, nhwc: layout === 'nhwc', shapes: ioShapes(model.graph) };
}
async function litertRunner(bytes, file) {
    const t = await litert_loadTflite(bytes, file);
    return {
        async run(feeds) {
            const name = (p, i) => feeds[p.tensorName] ? p.tensorName : feeds[p.name] ? p.name : Object.keys(feeds)[i];
            const out = await t.run(runnerFeeds(t, t.inputs.map(name), feeds));
            const result = {};
            // Keyed as the float model's outputs are: by tensor name, whatever the signature calls them.
            for (const port of t.outputs) {
                const o = out[port.name];
                result[port.tensorName] = { dims: o.shape, data: asFloat32(o.data) };
            }
            return result;
        },
        close: () => t.close(),
    };
}
/** The pow2 model in the original hardware's arithmetic (truncating shifts, B8/B16), bit-exact. */
function deviceRunner(model, target) {
    let ex = createIntegerExecutor(model, {
        scheme: 'pow2',
        rounding: target.rounding,
        biasMode: target.biasMode,
    });
    return {
        async run(feeds) {
            if (!ex)
                throw new Error('the integer executor was closed');
            const result = {};
            for (const [k, o] of Object.entries(ex.run(feeds)))
                result[k] = { dims: o.dims, data: o.toFloat32() };
            return result;
        },
        // Dropped, so that what it holds (weights, buffers, scratch: ~30 MB of RSS at 640x640 on PP-OCRv4 det,
        // 10 MB of them its values) can be collected.
        close: () => {
            ex = undefined;
        },
    };
}
/** A float TFLite model run in LiteRT: the reference when the input is a .tflite. */
async function tfliteReference(m) {
    const file = m.extra?.tflite?.file ?? 'float.tflite';
    const r = await loadTflite(exportTflite(m), file);
    return {
        outputNames: r.outputs.map((o) => o.tensorName),
        async run(feeds) {
            const out = await r.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.data])));
            return Object.fromEntries(r.outputs.map((p) => [
                p.tensorName,
                new Tensor('float32', out[p.name].shape, asFloat32(out[p.name].data)),
            ]));
        },
        close: () => r.close(),
    };
}
/**
 * A file written with --io_type int8 takes int8 inputs and gives int8 outputs: it is run as its caller
 * runs it, the float samples quantized with each input's scale and zero point as LiteRT's QUANTIZE does
 * (x / scale in float32 rounded half to even, as ONNX's QuantizeLinear also rounds, plus the zero point,
 * clamped: the reference kernel's std::round would round the ties away from zero, and on PaddleOCR cls
 * one such tie in one input moved the output a step from the float-I/O file's); for the device, as the
 * integer executor's QUANTIZE does (the reference kernel's ties away from zero). Its outputs are
 * read back as (q - zero point) * scale. So it is scored against float like a float-I/O file, whose
 * QUANTIZE and DEQUANTIZE ops do the same inside. A file with float edges runs unchanged.
 */
function integerEdges(c, g, ties) {
    const ins = integerValues(g, g.inputs);
    const outs = integerValues(g, g.outputs);
    if (!ins.size && !outs.size)
        return c;
    return {
        ...c,
        async run(feeds) {
            const fed = { ...feeds };
            for (const [name, e] of ins)
                if (feeds[name])
                    fed[name] = quantizeEdge(feeds[name], e, ties);
            const out = await c.run(fed);
            for (const [name, e] of outs) {
                const o = out[name];
                if (o)
                    out[name] = { dims: o.dims, data: o.data.map((v) => Math.fround((v - e.zeroPoint) * e.scale)) };
            }
            return out;
        },
    };
}
/**
 * The values of `vs` stored as integers with one scale, by name. A function of its own, so that the
 * candidate's closure holds these few numbers and not the graph (with its weights) they are read from.
 */
function integerValues(g, vs) {
    const edges = new Map();
    for (const v of vs) {
        const dtype = v.type?.kind === 'tensor' ? v.type.dtype : undefined;
        const q = g.quantOf(v.name);
        if ((dtype === 'int8' || dtype === 'uint8' || dtype === 'int16') && q?.scale.length === 1)
            edges.set(v.name, { dtype, scale: q.scale[0], zeroPoint: q.zeroPoint[0] ?? 0 });
    }
    return edges;
}
const EDGE_LIMITS = { int8: [-128, 127], uint8: [0, 255], int16: [-32768, 32767] };
function quantizeEdge(t, e, ties) {
    const [lo, hi] = EDGE_LIMITS[e.dtype];
    const x = t.toFloat32();
    const scale = Math.fround(e.scale);
    const q = e.dtype === 'int8'
        ? new Int8Array(x.length)
        : e.dtype === 'uint8'
            ? new Uint8Array(x.length)
            : new Int16Array(x.length);
    for (let i = 0; i < x.length; i++) {
        const r = Math.fround(x[i] / scale);
        const f = Math.floor(r);
        const up = ties === 'even' ? f % 2 !== 0 : r > 0;
        const rounded = r - f > 0.5 || (r - f === 0.5 && up) ? f + 1 : f;
        q[i] = Math.min(hi, Math.max(lo, rounded + e.zeroPoint));
    }
    return new tensor_Tensor(e.dtype, t.dims, q);
}
const asFloat32 = (d) => d instanceof Float32Array ? d : Float32Array.from(d);
/** The file's input and output shapes by tensor name (which 4-D values it stores NHWC). */
function ioShapes(g) {
    const shapes = {};
    for (const v of [...g.inputs, ...g.outputs]) {
        const shape = v.type?.kind === 'tensor' ? v.type.shape : undefined;
        if (shape?.every((d) => typeof d === 'number'))
            shapes[v.name] = shape;
    }
    return shapes;
}
//# sourceMappingURL=evaluate-tflite.js.map
;// CONCATENATED MODULE: ./lib/eval/nhwc.js
/**
 * Moving samples and outputs between the ONNX layout (NCHW) and a .tflite's NHWC: apart from evaluate.ts
 * so that the .tflite evaluation worker (tflite-worker.ts) loads it without ONNX Runtime.
 */

const NHWC = [0, 2, 3, 1];
/** Whether a 4-D value of ONNX shape `onnx` is stored with shape `stored` as NHWC (not as it is). */
function storedNhwc(onnx, stored) {
    if (onnx.length !== 4 || stored?.length !== 4)
        return false;
    const same = stored.every((d, i) => d === onnx[i]);
    return !same && stored.every((d, i) => d === onnx[NHWC[i]]);
}
/**
 * 4-D inputs from NCHW to NHWC (what a .tflite written with --tflite_layout nhwc takes): those the file
 * stores NHWC when its input shapes are known, else every 4-D input.
 */
function toNhwc(feeds, c) {
    const moved = (k, x) => x.dims.length === 4 &&
        (c.stored ? c.stored.has(k) : c.shapes?.[k] ? storedNhwc(x.dims, c.shapes[k]) : true);
    return Object.fromEntries(Object.entries(feeds).map(([k, x]) => [k, moved(k, x) ? transpose(x, NHWC) : x]));
}
function transpose(t, perm) {
    const dims = perm.map((p) => t.dims[p]);
    const src = t.data;
    const out = new src.constructor(src.length);
    const inStrides = t.dims.map((_, i) => t.dims.slice(i + 1).reduce((a, b) => a * b, 1));
    const idx = new Array(dims.length).fill(0);
    for (let o = 0; o < out.length; o++) {
        let s = 0;
        for (let d = 0; d < dims.length; d++)
            s += idx[d] * inStrides[perm[d]];
        out[o] = src[s];
        for (let d = dims.length - 1; d >= 0 && ++idx[d] === dims[d]; d--)
            idx[d] = 0;
    }
    return new tensor_Tensor(t.dtype, dims, out);
}
//# sourceMappingURL=nhwc.js.map
;// CONCATENATED MODULE: ./lib/eval/worker-protocol.js
/**
 * Messages between the main thread and a .tflite evaluation worker (remote-tflite.ts, tflite-worker.ts).
 * Feeds and outputs cross as plain typed arrays (copied); errors as their class name, message and own
 * fields, rebuilt on the main thread as the same class, so that a caller's `instanceof` still sorts them.
 */


const WORKER_ROLE = 'model-quant tflite evaluation';
function serializeError(e) {
    if (!(e instanceof Error))
        return { name: 'Error', message: String(e), fields: {} };
    const fields = {};
    for (const [k, v] of Object.entries(e)) {
        try {
            structuredClone(v);
            fields[k] = v;
        }
        catch {
            // A field that cannot cross (a function, a node object): left behind.
        }
    }
    return { name: e.name, message: e.message, stack: e.stack, fields };
}
/** The classes the pipeline sorts errors by; any other comes back as a plain Error of the same name. */
const CLASSES = {
    ModelFormatError: errors_ModelFormatError,
    UnsupportedOpError: errors_UnsupportedOpError,
    InvalidOptionError: InvalidOptionError,
    DataError: DataError,
    KernelError: KernelError,
};
function rebuildError(w) {
    const e = Object.create((CLASSES[w.name] ?? Error).prototype);
    Object.assign(e, w.fields);
    Object.defineProperty(e, 'message', { value: w.message, writable: true, configurable: true });
    Object.defineProperty(e, 'name', { value: w.name, writable: true, configurable: true });
    if (w.stack)
        Object.defineProperty(e, 'stack', { value: w.stack, writable: true, configurable: true });
    return e;
}
//# sourceMappingURL=worker-protocol.js.map
;// CONCATENATED MODULE: ./lib/eval/tflite-worker.js
/**
 * The worker side of remote-tflite.ts: a written .tflite run in LiteRT or the integer executor on a
 * worker thread, beside the main thread's ONNX Runtime. Loaded only as a worker's entry; it runs the very
 * candidates the main thread would (tfliteCandidate), one message at a time, in the order they came.
 */






function feedsOf(wire) {
    return Object.fromEntries(Object.entries(wire).map(([k, t]) => [k, new tensor_Tensor(t.dtype, t.dims, t.data)]));
}
function serve(port, data) {
    const open = new Map();
    const post = (m) => port.postMessage(m);
    // LiteRT's WASM compiles while the main thread calibrates; a failure surfaces where a model is loaded.
    if (data.litert)
        void getLiteRt().catch(() => undefined);
    const handle = async (m) => {
        if (m.type === 'open') {
            try {
                const layout = Array.isArray(m.layout) ? new Set(m.layout) : m.layout;
                const c = await tfliteCandidate(m.bytes, layout, m.target, m.file);
                open.set(m.key, c);
                post({
                    type: 'opened',
                    key: m.key,
                    nhwc: c.nhwc,
                    stored: c.stored && [...c.stored],
                    shapes: c.shapes,
                    valueBytes: c.valueBytes,
                });
            }
            catch (e) {
                open.set(m.key, e instanceof Error ? e : new Error(String(e)));
                post({ type: 'opened', key: m.key, error: serializeError(e) });
            }
        }
        else if (m.type === 'run') {
            const c = open.get(m.key);
            try {
                if (!c)
                    throw new Error(`the .tflite candidate '${m.key}' is not open in its worker`);
                if (c instanceof Error)
                    throw c;
                const feeds = feedsOf(m.feeds);
                // As compareOutputs would hand them: 4-D inputs NHWC where the file stores them so.
                const outputs = await c.run(m.nchw && c.nhwc ? toNhwc(feeds, c) : feeds);
                post({ type: 'result', key: m.key, index: m.index, outputs });
            }
            catch (e) {
                post({ type: 'result', key: m.key, index: m.index, error: serializeError(e) });
            }
        }
        else {
            const c = open.get(m.key);
            open.delete(m.key);
            if (c && !(c instanceof Error))
                await c.close();
            post({ type: 'closed', key: m.key });
        }
    };
    let queue = Promise.resolve();
    port.on('message', (m) => {
        queue = queue.then(() => handle(m).catch((e) => {
            // Only a close can get here (open and run answer with their error): nothing waits on it.
            if (process.env.MODEL_QUANT_LITERT_LOG)
                process.stderr.write(`tflite worker: ${String(e)}\n`);
        }));
    });
}
if (!external_node_worker_threads_namespaceObject.isMainThread && external_node_worker_threads_namespaceObject.parentPort && external_node_worker_threads_namespaceObject.workerData?.role === WORKER_ROLE)
    serve(external_node_worker_threads_namespaceObject.parentPort, external_node_worker_threads_namespaceObject.workerData);
//# sourceMappingURL=tflite-worker.js.map
